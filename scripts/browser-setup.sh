#!/usr/bin/env bash
# Installs what the console's browser tests (host/console/tests/browser)
# need: Debian's chromium and chromium-driver (headless Chromium driven
# through WebDriver) and a CJK font so Chinese pages render in screenshots.
# Safe to run again; it only installs what is missing.
set -euo pipefail

need=()
for pkg in chromium chromium-driver fonts-noto-cjk; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
        need+=("$pkg")
    fi
done
if [ ${#need[@]} -eq 0 ]; then
    exit 0
fi
if ! command -v apt-get >/dev/null; then
    echo "browser-setup: install ${need[*]} with your system's package manager (Debian/Ubuntu names)" >&2
    exit 1
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then
    sudo="sudo"
fi
echo "browser-setup: installing ${need[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
