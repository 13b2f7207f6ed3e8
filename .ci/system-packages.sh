#!/usr/bin/env bash
# System packages the tests need: Chromium (report browser tests), xmllint (junit.xml schema check),
# tmux, and OpenSSH's client tools (ssh-keygen/ssh-agent/ssh-add: the SSH backend's tests compare with them). Sourced by .ci/run; installs only what is missing.
install_system_packages() {
  local missing=()
  command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ] || missing+=(chromium)
  command -v xmllint >/dev/null 2>&1 || missing+=(libxml2-utils)
  command -v tmux >/dev/null 2>&1 || missing+=(tmux)
  command -v ssh-keygen >/dev/null 2>&1 && command -v ssh-agent >/dev/null 2>&1 || missing+=(openssh-client)
  if [ ${#missing[@]} -eq 0 ]; then
    return 0
  fi
  echo "== installing system packages: ${missing[*]}"
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y --no-install-recommends "${missing[@]}"
}
install_system_packages
