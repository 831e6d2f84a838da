#!/usr/bin/env bash
# Installs what juzhu needs on a fresh machine: the wasm target that policy
# modules build for. Safe to run again; it only adds what is missing.
set -euo pipefail

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    echo "setup: adding the wasm32-unknown-unknown target"
    rustup target add wasm32-unknown-unknown
fi

# The PC/SC stack: the pcsc crate links libpcsclite, and the card tests run
# pcscd with the vpcd virtual reader.
"$(dirname "$0")/pcsc-setup.sh"

# python-tuf: the independent TUF client the registry's interop test runs.
if ! python3 -c "import tuf.ngclient" >/dev/null 2>&1; then
    echo "setup: installing python-tuf (host/registry/tests/interop/requirements.txt)"
    python3 -m pip install --quiet -r host/registry/tests/interop/requirements.txt \
        || python3 -m pip install --quiet --break-system-packages -r host/registry/tests/interop/requirements.txt
fi

# Headless Chromium and its WebDriver: the console's browser tests.
"$(dirname "$0")/browser-setup.sh"

# PostgreSQL: the store's tests run every backend test against a real server
# (tests/support/src/postgres.rs starts one as `nobody` in a temporary
# directory on a loopback port). Debian's package puts the binaries under
# /usr/lib/postgresql/<version>/bin; no cluster needs to run.
if ! compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null; then
    echo "setup: installing postgresql"
    if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq postgresql
fi
