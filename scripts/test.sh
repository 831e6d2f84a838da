#!/usr/bin/env bash
# Runs the whole test suite: unit tests, every module's vectors natively, the
# five components certified in the sandbox, the sandbox attack tests, the CLI
# tests, and the SDK's documentation examples.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh
# The gates: formatting and lints, before any test runs.
cargo fmt --all --check
cargo clippy --workspace --all-targets -- -D warnings
# The station binary links no policy code (docs/ARCHITECTURE.md).
if cargo tree -p juzhu -e normal --prefix none | grep -q '^juzhu-plugin-'; then
    echo "test: the juzhu binary depends on a plugin crate:" >&2
    cargo tree -p juzhu -e normal --prefix none | grep '^juzhu-plugin-' >&2
    exit 1
fi
if cargo nextest --version >/dev/null 2>&1; then
    cargo nextest run --workspace --no-fail-fast
else
    cargo test --workspace --no-fail-fast
fi
cargo test --doc -p juzhu-sdk
# The parsers that take outside bytes, under libFuzzer, briefly.
scripts/fuzz.sh
