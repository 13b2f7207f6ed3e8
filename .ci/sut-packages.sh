# shellcheck shell=bash
# Sourced by .ci/run. Installs the systems under test on the host when missing: the `hostroot` node
# flavour runs the host's /usr read-only, so etcd and Redis (+ Sentinel) must be installed here.
# A policy-rc.d that exits 101 is put in place first (and removed again if we added it), so installing
# never starts host daemons: the tests start their own servers inside containers.
# Safe under `set -euo pipefail`. Needs root (or sudo) only when something is missing.

_fl_sut_sudo() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

install_sut_packages() {
  local want=()
  command -v etcd >/dev/null 2>&1 || [ -x /usr/bin/etcd ] || want+=(etcd-server)
  command -v etcdctl >/dev/null 2>&1 || [ -x /usr/bin/etcdctl ] || want+=(etcd-client)
  command -v redis-server >/dev/null 2>&1 || [ -x /usr/bin/redis-server ] || want+=(redis-server)
  command -v redis-sentinel >/dev/null 2>&1 || [ -x /usr/bin/redis-sentinel ] || want+=(redis-sentinel)
  if [ "${#want[@]}" -eq 0 ]; then
    return 0
  fi
  echo "== installing systems under test: ${want[*]}"
  local added_policy=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    # exit 101 = "action forbidden": invoke-rc.d then starts no service during the install.
    printf '#!/bin/sh\n# faultline CI: never start services while installing packages\nexit 101\n' |
      _fl_sut_sudo tee /usr/sbin/policy-rc.d >/dev/null
    _fl_sut_sudo chmod 755 /usr/sbin/policy-rc.d
    added_policy=1
  fi
  local rc=0
  _fl_sut_sudo env DEBIAN_FRONTEND=noninteractive apt-get update -q || rc=$?
  if [ "$rc" -eq 0 ]; then
    _fl_sut_sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${want[@]}" || rc=$?
  fi
  if [ "$added_policy" -eq 1 ]; then
    _fl_sut_sudo rm -f /usr/sbin/policy-rc.d
  fi
  return "$rc"
}
install_sut_packages
