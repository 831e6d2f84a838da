#!/usr/bin/env bash
# Installs the PC/SC stack juzhu's card encoders and their end-to-end tests
# need: pcscd (the PC/SC daemon), vsmartcard-vpcd (its virtual reader driver,
# which the test card connects to), libpcsclite-dev (linked by the pcsc
# crate), and iproute2/util-linux (ip, unshare, nsenter: the tests run pcscd
# in a network namespace of its own, because vpcd listens on every
# interface). Safe to run again; it only installs what is missing.
set -euo pipefail

need=()
for pkg in pcscd vsmartcard-vpcd libpcsclite-dev iproute2 util-linux; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
        need+=("$pkg")
    fi
done
if [ ${#need[@]} -eq 0 ]; then
    exit 0
fi
if ! command -v apt-get >/dev/null; then
    echo "pcsc-setup: install ${need[*]} with your system's package manager (Debian/Ubuntu names)" >&2
    exit 1
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then
    sudo="sudo"
fi
echo "pcsc-setup: installing ${need[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
# A system pcscd started by the package (systemd socket activation) would
# hold /run/pcscd; the tests start their own.
if command -v systemctl >/dev/null && systemctl is-active --quiet pcscd.socket 2>/dev/null; then
    echo "pcsc-setup: note: the system pcscd is active; stop it (systemctl stop pcscd.socket pcscd) before scripts/test.sh"
fi
