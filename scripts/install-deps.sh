#!/usr/bin/env bash
# Installs every system package Orbit needs on Debian/Ubuntu: the Tauri/WebKitGTK build and
# runtime libraries, and (with --test) the servers and tools the test suite runs against.
# Idempotent: packages already present are skipped by apt.
set -euo pipefail

want_test=0
for arg in "$@"; do
  case "$arg" in
    --test) want_test=1 ;;
    *) echo "usage: $0 [--test]" >&2; exit 2 ;;
  esac
done

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi

app_packages=(
  build-essential pkg-config curl file ca-certificates
  libwebkit2gtk-4.1-dev libgtk-3-dev libayatana-appindicator3-dev
  librsvg2-dev libsoup-3.0-dev libxdo-dev libgl1-mesa-dri
  dbus dbus-bin dbus-x11 gnome-keyring libsecret-tools
)
test_packages=(
  xvfb xauth webkit2gtk-driver at-spi2-core
  dovecot-core dovecot-imapd radicale xandikos python3-aiosmtpd openssl procps psmisc
  python3-gi gir1.2-glib-2.0 libglib2.0-bin python3-xlib
  python3-pyatspi libatk-adaptor vdirsyncer
)

packages=("${app_packages[@]}")
if [ "$want_test" -eq 1 ]; then packages+=("${test_packages[@]}"); fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ "${#missing[@]}" -gt 0 ]; then
  echo "orbit: installing ${#missing[@]} system packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get -o DPkg::Lock::Timeout=900 update -qq
  "${sudo_cmd[@]}" apt-get -o DPkg::Lock::Timeout=900 install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "orbit: system packages present"
fi
