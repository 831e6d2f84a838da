#!/usr/bin/env bash
# Benchmark: builds juzhu and the modules in release (so the native baseline is
# optimised like the wasm modules), then prints the figures against their
# targets and writes BENCHMARKS.md. Not part of the test suite.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh
cargo build --release -p juzhu
for dir in plugins/*/; do
    ./target/release/juzhu module build "$dir"
done
./target/release/juzhu bench "$@"
