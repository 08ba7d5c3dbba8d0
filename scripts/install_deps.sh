#!/usr/bin/env bash
# Install what a fresh Debian 12 machine lacks: only the packages that are missing.
set -euo pipefail
need=()
have_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
# pcscd, vsmartcard-vpcd and opensc: the real PC/SC path with the virtual My Number Card (issue 5);
# libpcsclite-dev: pyscard builds from source on Linux.
for pkg in postgresql redis-server chromium fonts-ipaexfont poppler-utils gettext \
  pcscd libpcsclite-dev vsmartcard-vpcd pcsc-tools opensc; do
  have_pkg "$pkg" || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then echo "missing Debian packages: ${need[*]} (run as root or install them)" >&2; exit 1; fi
  echo "installing Debian packages: ${need[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
if ! command -v uv >/dev/null 2>&1; then
  echo "installing uv"
  python3 -m pip install --quiet uv
fi
