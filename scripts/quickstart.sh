#!/usr/bin/env bash
# Quick start: build everything (the wasm target included) and the five
# jurisdiction modules as sandboxed components, put them in a local signed
# registry (keys, init, delegate, publish, attest: each attestation runs the
# module's vectors first), then start juzhu serving from that registry on
# the embedded SQLite database in ./data. The first start prints an admin
# token, and the address of the console (the station's web interface).
# Safe to run again: what is already signed is kept.
#
# The demo keeps every role's key in ./keys, unencrypted; a real registry
# keeps root and targets keys offline and each district's keys with the
# district (see README, "The signed registry").
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh
scripts/build-modules.sh
juzhu="${CARGO_TARGET_DIR:-target}/debug/juzhu"
keys=keys
registry=registry
online=(--registry "$registry" --key "$keys/snapshot.key" --key "$keys/timestamp.key")

# Runs a signing step; a refusal because it was done on an earlier run is fine.
once() {
    local errors
    errors=$(mktemp)
    if "$@" 2>"$errors"; then
        rm -f "$errors"
        return 0
    fi
    if grep -q "already" "$errors"; then
        echo "  kept: $(head -n 1 "$errors")"
        rm -f "$errors"
        return 0
    fi
    cat "$errors" >&2
    echo "quickstart: a signing step failed (above); if a module changed since it was published, give it a new version or delete $registry/ and $keys/" >&2
    exit 1
}

for role in root targets snapshot timestamp certification; do
    [ -f "$keys/$role.key" ] || "$juzhu" key new "$keys/$role.key"
done
if [ ! -f "$registry/metadata/root.json" ]; then
    "$juzhu" registry init --registry "$registry" \
        --root "$keys/root.pub" --targets "$keys/targets.pub" --snapshot "$keys/snapshot.pub" \
        --timestamp "$keys/timestamp.pub" --certification "$keys/certification.pub" \
        --key "$keys/root.key" --key "$keys/targets.key" --key "$keys/snapshot.key" --key "$keys/timestamp.key"
fi
today=$(TZ=Asia/Shanghai date +%F)
for dir in plugins/*/; do
    name=$(basename "$dir")
    wasm="target/modules/$name.wasm"
    code=$("$juzhu" module inspect "$wasm" | python3 -c 'import json, sys; print(json.load(sys.stdin)["module"]["jurisdiction"])')
    [ -f "$keys/district-$code.key" ] || "$juzhu" key new "$keys/district-$code.key"
    once "$juzhu" registry delegate "$code" --district-key "$keys/district-$code.pub" --key "$keys/targets.key" "${online[@]}"
    once "$juzhu" publish "$wasm" --district "$code" --effective-from "$today" --key "$keys/district-$code.key" "${online[@]}"
    once "$juzhu" attest "$wasm" --vectors "$dir/vectors" --key "$keys/certification.key" "${online[@]}"
done
# Keep the timestamp fresh for the demo (stations freeze when it expires).
"$juzhu" registry refresh-timestamp --key "$keys/timestamp.key" --registry "$registry" >/dev/null
"$juzhu" registry status --registry "$registry"
echo

# The station trusts the registry's first root. Here it is copied; a real
# station gets it out of band from the registry's operators.
mkdir -p data
[ -f data/trusted-root.json ] || cp "$registry/metadata/1.root.json" data/trusted-root.json
# The card authority's key, for the demo's in-memory encoder.
[ -f data/card-authority.key ] || "$juzhu" card keygen --out data/card-authority.key >/dev/null
[ -f data/station.toml ] || cat > data/station.toml <<TOML
# Written by scripts/quickstart.sh; every key is in host/station.example.toml.
[registry]
location = "$registry"
trusted_root = "data/trusted-root.json"
poll_interval_secs = 10

[card]
authority_key = "data/card-authority.key"

# An encoder with cards in memory: the console's card issuance without hardware.
[[encoders]]
name = "desk-1"
driver = "memory"
TOML
# juzhu prints the admin token at first start, then the API's and the
# console's addresses: open the console in a browser and sign in with the token.
# A station started before printed its token then: this run makes a new admin
# token (the old one stays valid), so the quick start always ends with one.
if [ -f data/juzhu.db ]; then
  echo "a new admin token for the console (data/juzhu.db exists; its first token was printed at first start):"
  "$juzhu" token create --config data/station.toml --role admin --name "quickstart-$(date -u +%Y%m%dT%H%M%S)" | tail -n 1
fi
exec "$juzhu" serve --config data/station.toml "$@"
