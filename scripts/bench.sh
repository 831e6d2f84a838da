#!/usr/bin/env bash
# Benchmark: builds juzhu and the modules in release (so the native baseline is
# optimised like the wasm modules), then prints the figures against their
# targets and writes BENCHMARKS.md. Not part of the test suite.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh
# The HTTP figures drive `juzhu serve` with wrk.
if ! command -v wrk >/dev/null; then
    apt-get update -qq && apt-get install -y -qq wrk >/dev/null
fi
# juzhu-bench links the five modules' native builds; the station binary links none.
cargo build --release -p juzhu -p juzhu-bench
for dir in plugins/*/; do
    ./target/release/juzhu module build "$dir"
done
./target/release/juzhu-bench bench "$@"
