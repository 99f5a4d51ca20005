#!/bin/sh
# Seeds fuzz/corpus/<target>/ (gitignored) for the cargo-fuzz targets:
#   audio_packet  — valid datagrams of every type (examples/seed_corpus.rs) and every "hex" field
#                   of the conformance vectors (codec and scenario datagrams), decoded with jq+xxd;
#   audio_service — interactions that reach fan-out, mute relays, bans and timeouts;
#   voice_frame   — every management frame of the voice vectors (codec vectors, scenario inputs
#                   and expected transmits), and each scenario's inputs joined into one stream;
#   voice_datagram — every voice datagram of the voice vectors.
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

voice="$here/../conformance/vectors/voice"
if [ -d "$voice" ]; then
    if command -v jq >/dev/null && command -v xxd >/dev/null; then
        # write_hex TARGET PREFIX: one corpus file per hex string read from stdin.
        write_hex() {
            mkdir -p "corpus/$1"
            index=0
            while read -r hex; do
                printf '%s' "$hex" | xxd -r -p > "corpus/$1/$2-$index"
                index=$((index + 1))
            done
            echo "$1: $index inputs ($2)"
        }
        cat "$voice"/codec/*.json | jq -r '.vectors[] | select(.transport == "tcp") | .hex' |
            write_hex voice_frame codec
        cat "$voice"/scenarios/*.json | jq -r '.. | objects | .tcp? | strings | select(length > 0)' |
            write_hex voice_frame scenario
        cat "$voice"/scenarios/*.json | jq -r '.scenarios[] | [.steps[] | .tcp? // empty] | join("") | select(length > 0)' |
            write_hex voice_frame stream
        cat "$voice"/codec/*.json | jq -r '.vectors[] | select(.transport == "udp") | .hex | select(length > 0)' |
            write_hex voice_datagram codec
        cat "$voice"/scenarios/*.json | jq -r '.. | objects | (.send?, (select(has("to")) | .hex?)) | strings | select(length > 0)' |
            write_hex voice_datagram scenario
    else
        echo "jq or xxd missing: skipping the voice vectors" >&2
    fi
fi
