#!/usr/bin/env bash
# Runs each cargo-fuzz (libFuzzer) target in host/fuzz briefly, from its
# committed seed corpus: the card image reader, the TUF metadata reader and
# the station file. A crash, panic or leak fails the script and leaves the
# input in host/fuzz/artifacts/<target>/.
#
# cargo-fuzz passes nightly-only flags (-Zsanitizer=address); CI has the
# stable toolchain only, so RUSTC_BOOTSTRAP=1 lets stable rustc accept them.
# The build goes to its own target directory: sanitizer flags must not mix
# with the workspace's artifacts.
#
#   FUZZ_SECONDS=60 scripts/fuzz.sh            # longer runs
#   scripts/fuzz.sh card_image                 # one target
set -euo pipefail
cd "$(dirname "$0")/../host/fuzz"

seconds="${FUZZ_SECONDS:-20}"
export RUSTC_BOOTSTRAP=1
export CARGO_TARGET_DIR="${FUZZ_TARGET_DIR:-$PWD/target}"

if ! cargo fuzz --version >/dev/null 2>&1; then
    cargo install cargo-fuzz --locked
fi

targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    targets=(card_image tuf_metadata station_config)
fi
for target in "${targets[@]}"; do
    # New inputs go to a scratch corpus; the committed seeds stay as they are.
    work="$CARGO_TARGET_DIR/corpus/$target"
    mkdir -p "$work"
    echo "fuzz: $target for ${seconds}s"
    cargo fuzz run "$target" "$work" "corpus/$target" -- -max_total_time="$seconds" -rss_limit_mb=2048
done
echo "fuzz: ${#targets[@]} targets ran without a crash"
