# shellcheck shell=bash
# Sourced by .ci/run. Defines:
#   start_docker  install what is missing (docker.io when no engine answers; tini, debootstrap, iptables, iproute2),
#                 then, when `docker info` fails, start dockerd in the background (pid file, log file) and wait
#                 up to 60 s for it to answer.
#   stop_docker   stop the dockerd that start_docker started in this shell (by its pid), and nothing else:
#                 an engine that was already running is left alone.
# Safe under `set -euo pipefail`. Needs root (or sudo) only when it has to install or start the engine.

FAULTLINE_DOCKERD_PID_FILE=${FAULTLINE_DOCKERD_PID_FILE:-/tmp/faultline-ci-dockerd.pid}
FAULTLINE_DOCKERD_LOG=${FAULTLINE_DOCKERD_LOG:-/tmp/faultline-ci-dockerd.log}

_fl_sudo() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

_fl_docker_up() {
  command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1
}

start_docker() {
  # Host tools the nodes rely on (hostroot runs the host's tini; faults use the host's iptables/tc via nsenter).
  local want=() p
  _fl_docker_up || command -v dockerd >/dev/null 2>&1 || want+=(docker.io)
  command -v tini >/dev/null 2>&1 || want+=(tini)
  command -v debootstrap >/dev/null 2>&1 || [ -x /usr/sbin/debootstrap ] || want+=(debootstrap)
  command -v iptables >/dev/null 2>&1 || [ -x /usr/sbin/iptables ] || want+=(iptables)
  command -v tc >/dev/null 2>&1 || [ -x /usr/sbin/tc ] || want+=(iproute2)
  if [ "${#want[@]}" -gt 0 ]; then
    echo "== installing ${want[*]}"
    _fl_sudo env DEBIAN_FRONTEND=noninteractive apt-get update -q
    _fl_sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${want[@]}"
  fi
  if _fl_docker_up; then
    echo "== docker engine already running ($(docker version --format '{{.Server.Version}}' 2>/dev/null || echo '?'))"
    return 0
  fi
  echo "== starting dockerd (log: $FAULTLINE_DOCKERD_LOG)"
  # setsid: the engine must not get the CI shell's SIGINT; its pid is recorded so only it is stopped later.
  # Not through _fl_sudo: a backgrounded function would make $! the pid of a subshell, not of the engine.
  if [ "$(id -u)" -eq 0 ]; then
    setsid dockerd >"$FAULTLINE_DOCKERD_LOG" 2>&1 </dev/null &
  else
    sudo setsid dockerd >"$FAULTLINE_DOCKERD_LOG" 2>&1 </dev/null &
  fi
  echo $! >"$FAULTLINE_DOCKERD_PID_FILE"
  # Remembered in this shell too: stop_docker stops only an engine this shell started, never one that
  # was already running (another run's, or the machine's), whatever a pid file left behind says.
  _FL_STARTED_DOCKERD_PID=$!
  for p in $(seq 1 60); do
    if _fl_docker_up; then
      echo "== docker engine up after ${p} s"
      return 0
    fi
    if [ ! -d "/proc/$(cat "$FAULTLINE_DOCKERD_PID_FILE")" ]; then
      echo "== dockerd exited; last lines of its log:" >&2
      tail -n 20 "$FAULTLINE_DOCKERD_LOG" >&2 || true
      return 1
    fi
    sleep 1
  done
  echo "== dockerd did not answer within 60 s; last lines of its log:" >&2
  tail -n 20 "$FAULTLINE_DOCKERD_LOG" >&2 || true
  return 1
}

stop_docker() {
  [ -n "${_FL_STARTED_DOCKERD_PID:-}" ] || return 0
  local pid i
  pid=$_FL_STARTED_DOCKERD_PID
  _FL_STARTED_DOCKERD_PID=
  [ "$(cat "$FAULTLINE_DOCKERD_PID_FILE" 2>/dev/null)" = "$pid" ] && rm -f "$FAULTLINE_DOCKERD_PID_FILE"
  # Only our engine: the pid must still be alive and still be dockerd (or the sudo running it).
  [ -n "$pid" ] && [ -d "/proc/$pid" ] || return 0
  grep -qE '^(dockerd|sudo)$' "/proc/$pid/comm" 2>/dev/null || return 0
  echo "== stopping dockerd (pid $pid)"
  _fl_sudo kill -TERM "$pid" 2>/dev/null || true
  for i in $(seq 1 30); do
    [ -d "/proc/$pid" ] || return 0
    sleep 0.5
  done
  _fl_sudo kill -KILL "$pid" 2>/dev/null || true
}
