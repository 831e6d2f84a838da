#!/usr/bin/env bash
# Quick start: build everything (the wasm target included), build the five
# jurisdiction modules as sandboxed components, and run juzhu's conformance kit
# over each of them.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh
scripts/build-modules.sh
for dir in plugins/*/; do
    name=$(basename "$dir")
    echo
    ./target/debug/juzhu certify "target/modules/$name.wasm" --vectors "$dir/vectors"
done
echo
echo "juzhu is built: ./target/debug/juzhu --help"
