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
