#!/bin/sh
# Seeds fuzz/corpus/<target>/ (gitignored) for the cargo-fuzz targets:
#   audio_packet  — valid datagrams of every type (examples/seed_corpus.rs) and every "hex" field
#                   of the conformance vectors (codec and scenario datagrams), decoded with jq+xxd;
#   audio_service — interactions that reach fan-out, mute relays, bans and timeouts.
# Idempotent: re-running overwrites the same files. Run from anywhere.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
cd "$here"

cargo run --quiet --release --example seed_corpus

vectors="$here/../conformance/vectors/audio"
out="$here/corpus/audio_packet"
if [ -d "$vectors" ]; then
    if command -v jq >/dev/null && command -v xxd >/dev/null; then
        count=0
        for file in "$vectors"/codec/*.json "$vectors"/scenarios/*.json; do
            [ -f "$file" ] || continue
            name=$(basename "$(dirname "$file")")-$(basename "$file" .json)
            index=0
            for hex in $(jq -r '.. | objects | .hex? | strings' "$file"); do
                printf '%s' "$hex" | xxd -r -p > "$out/vector-$name-$index"
                index=$((index + 1))
            done
            count=$((count + index))
        done
        echo "audio_packet: $count datagrams from the conformance vectors"
    else
        echo "jq or xxd missing: skipping the conformance vectors" >&2
    fi
fi
