#!/usr/bin/env bash
# Builds the juzhu binary and every jurisdiction module as a component in
# target/modules/.
set -euo pipefail
cd "$(dirname "$0")/.."

cargo build -p juzhu
for dir in plugins/*/; do
    "${CARGO_TARGET_DIR:-target}"/debug/juzhu module build "$dir"
done
