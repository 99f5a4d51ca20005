#!/usr/bin/env bash
# Runs the Python and the JavaScript `audio` client tests against freshly started servers:
#   run_audio_live.sh HARK_BINARY...     e.g. target/debug/hark target/debug/hark-smol
#
# For each binary, in turn: starts it with a temporary configuration — a random jwt_secret, only
# the `audio` service, on 127.0.0.1 port 0, one open channel `main`, its data directory in a
# temporary directory — waits for its ready line, runs `python3 -m unittest test_hark_audio`
# (clients/python) and `node --test` on clients/js/test/*.test.mjs with the server named by
# HARK_AUDIO_ADDR, HARK_JWT_SECRET and HARK_AUDIO_CHANNEL, then stops the server with SIGTERM and
# requires exit status 0. Exits 0 when everything passed for every binary; otherwise 1, with the
# failing server's log shown; 2 on bad usage or a missing prerequisite.
#
# Builds and installs nothing. Needs: the binaries (cargo build --bin hark --bin hark-smol);
# $PYTHON (default python3) with PyJWT (`python3 -m pip install pyjwt`); node >= 18 with
# clients/js/node_modules installed (`cd clients/js && npm ci`).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
js=$(cd "$here/../js" && pwd)
python=${PYTHON:-python3}

if [ "$#" -eq 0 ]; then
  echo "usage: $0 HARK_BINARY..." >&2
  exit 2
fi

# Several binaries: one run of this script each, so each has its own server, directory and traps.
if [ "$#" -gt 1 ]; then
  failed=""
  for exe in "$@"; do
    bash "$0" "$exe" || failed="$failed $exe"
  done
  if [ -n "$failed" ]; then
    echo "audio client tests failed against:$failed"
    exit 1
  fi
  echo "audio client tests passed against: $*"
  exit 0
fi

exe=$1
if [ ! -x "$exe" ]; then
  echo "$0: $exe is not an executable (cargo build --bin hark --bin hark-smol)" >&2
  exit 2
fi
if ! "$python" -c 'import jwt' 2>/dev/null; then
  echo "$0: $python has no PyJWT (python3 -m pip install pyjwt)" >&2
  exit 2
fi
if ! command -v node >/dev/null 2>&1 || [ ! -d "$js/node_modules/jsonwebtoken" ]; then
  echo "$0: needs node and clients/js/node_modules (cd clients/js && npm ci)" >&2
  exit 2
fi

# shellcheck source=live_server.sh
. "$here/live_server.sh"
# live_init takes a name under target/debug; this script takes a path, so it sets the same
# variables itself.
binary=$(basename "$exe")
work=$(mktemp -d "${TMPDIR:-/tmp}/hark-audio-live.XXXXXX")
server_pid=""
trap live_cleanup EXIT
trap 'exit 130' INT TERM

secret=$("$python" -c 'import secrets; print(secrets.token_hex(32))')
channel=main
cat >"$work/hark.toml" <<EOF
jwt_secret = "$secret"
data_dir = "$work/data"

[audio]
bind_addr = "127.0.0.1:0"

[voice]
enabled = false

[chat]
enabled = false

[[channels]]
id = "$channel"
EOF

# The environment overrides the file (README, configuration): keep it out of this run.
live_start env -u JWT_SECRET -u HARK_DATA_DIR -u AUDIO_BIND_ADDR "$exe" serve --config "$work/hark.toml"

# <prog>: audio listening on udp://ADDR
live_wait_ready "audio listening on udp://"
addr=$(live_ready "audio listening on udp://")
echo "$binary: audio udp://$addr"

export HARK_AUDIO_ADDR=$addr HARK_JWT_SECRET=$secret HARK_AUDIO_CHANNEL=$channel
status=0
echo "--- Python (hark_audio.py) against $binary"
(cd "$here" && "$python" -m unittest -v test_hark_audio 2>&1) || status=1
echo "--- JavaScript (hark_audio.mjs) against $binary"
(cd "$js" && node --test test/*.test.mjs) || status=1
live_finish "$status" "Python and JavaScript audio client tests"
