#!/usr/bin/env bash
# Runs the whole test suite: unit tests, every module's vectors natively, the
# five components certified in the sandbox, the sandbox attack tests, the CLI
# tests, and the SDK's documentation examples.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh
if cargo nextest --version >/dev/null 2>&1; then
    cargo nextest run --workspace --no-fail-fast
else
    cargo test --workspace --no-fail-fast
fi
cargo test --doc -p juzhu-sdk
