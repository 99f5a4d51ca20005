#!/usr/bin/env bash
# Runs player_test.py (headless Chromium plays a signed URL, seeks, and the server's /health
# must show the Range requests answered 206) against target/debug/hark and target/debug/hark-smol
# ($CARGO_TARGET_DIR is honoured): `run_player_test.sh [hark|hark-smol ...]`.
#
# Needs chromium (Debian: apt-get install chromium) and Python's `websockets` (>= 13, found or
# installed by clients/python/websockets_python.sh; $PYTHON, if set, names an interpreter that has
# it). Build the binaries first: cargo build --bin hark --bin hark-smol. Each run is bounded (60 s)
# and leaves no process behind. Exits 0 when every binary passed.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
target=${CARGO_TARGET_DIR:-$root/target}
python=${PYTHON:-$(bash "$root/clients/python/websockets_python.sh")}
if ! command -v chromium >/dev/null 2>&1; then
  echo "$0: chromium is not installed (apt-get install chromium)" >&2
  exit 2
fi

binaries=("$@")
[ ${#binaries[@]} -gt 0 ] || binaries=(hark hark-smol)
status=0
for binary in "${binaries[@]}"; do
  exe=$target/debug/$binary
  if [ ! -x "$exe" ]; then
    echo "$0: $exe is not built (cargo build --bin $binary)" >&2
    exit 2
  fi
  "$python" "$here/player_test.py" --binary "$exe" --timeout 60 || status=1
done
exit "$status"
