#!/usr/bin/env bash
# System packages the tests need: Chromium (report browser tests), xmllint (junit.xml schema check),
# tmux. Sourced by .ci/run; installs only what is missing.
install_system_packages() {
  local missing=()
  command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ] || missing+=(chromium)
  command -v xmllint >/dev/null 2>&1 || missing+=(libxml2-utils)
  command -v tmux >/dev/null 2>&1 || missing+=(tmux)
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
