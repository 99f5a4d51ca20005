#!/bin/sh
# Builds hark, hark-smol and hark-bench, then runs a benchmark sweep with the servers pinned to
# CPU 0 and the generator to CPU 1. Loopback only; every step is bounded and the sweep stops by
# itself, servers included.
#
#   run.sh [ARGS]      the audio sweep: `hark-bench sweep` (e.g. --secs 10)
#   run.sh ws [ARGS]   the chat sweep: `hark-bench ws-sweep` (e.g. --secs 10 --idle 10000)
set -eu
cd "$(dirname "$0")/../.."
cargo build --release -p hark-bench -p hark-tokio -p hark-smol
target="${CARGO_TARGET_DIR:-target}"
if [ "${1:-}" = ws ]; then
    shift
    # 10 000 connections need as many descriptors in the generator and in the server, which
    # inherits this limit: raise the soft limit to the hard one.
    ulimit -n "$(ulimit -Hn)"
    exec taskset -c 1 "$target/release/hark-bench" ws-sweep --json "$target/hark-bench-ws.json" "$@"
fi
exec taskset -c 1 "$target/release/hark-bench" sweep --json "$target/hark-bench.json" "$@"
