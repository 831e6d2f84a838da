#!/usr/bin/env bash
# Quick start: build everything (the wasm target included), build the five
# jurisdiction modules as sandboxed components, certify each with juzhu's
# conformance kit, then start juzhu on the embedded SQLite database in ./data.
# The first start prints an admin token.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh
scripts/build-modules.sh
for dir in plugins/*/; do
    name=$(basename "$dir")
    "${CARGO_TARGET_DIR:-target}"/debug/juzhu certify "target/modules/$name.wasm" --vectors "$dir/vectors" | tail -n 1 | sed "s/^/$name: /"
done
echo
exec "${CARGO_TARGET_DIR:-target}"/debug/juzhu serve "$@"
