#!/bin/sh
# Builds hark, hark-smol and hark-bench, then runs the benchmark sweep with the servers pinned to
# CPU 0 and the generator to CPU 1. Extra arguments go to `hark-bench sweep` (e.g. --secs 10).
# Loopback only; every step is bounded (--secs + --grace) and the sweep stops by itself.
set -eu
cd "$(dirname "$0")/../.."
cargo build --release -p hark-bench -p hark-tokio -p hark-smol
exec taskset -c 1 target/release/hark-bench sweep --json target/hark-bench.json "$@"
