#!/usr/bin/env bash
# Runs voice_exchange.py against a freshly started server: `run_live.sh [hark|hark-smol]`.
#
# Starts target/debug/<binary> (default hark; $CARGO_TARGET_DIR is honoured) with a temporary
# configuration — a random jwt_secret, the voice management and relay ports and the audio port on
# 127.0.0.1 port 0, `chat` off (run_chat_live.sh checks it), one open channel `main`, its data
# directory in a temporary directory — waits for its ready lines, runs the exchange, then stops
# the server with SIGTERM and requires exit status 0. Exits 0 when both went well; otherwise
# non-zero, with the server's log shown.
# Build the binary first: cargo build --bin hark --bin hark-smol.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=live_server.sh
. "$here/live_server.sh"
live_init "${1:-hark}" voice

secret=$(python3 -c 'import secrets; print(secrets.token_hex(32))')
cat >"$work/hark.toml" <<EOF
jwt_secret = "$secret"
data_dir = "$work/data"

[audio]
bind_addr = "127.0.0.1:0"

[voice]
management_addr = "127.0.0.1:0"
relay_addr = "127.0.0.1:0"

[chat]
enabled = false

[[channels]]
id = "main"
EOF

# The environment overrides the file (README, configuration): keep it out of this run.
live_start env -u JWT_SECRET -u HARK_DATA_DIR -u AUDIO_BIND_ADDR -u MANAGEMENT_PORT \
  -u VOICE_RELAY_PORT "$exe" serve --config "$work/hark.toml"

# The server announces its sockets on stdout once they are bound:
#   <prog>: voice management listening on tcp://ADDR
#   <prog>: voice relay listening on udp://ADDR
live_wait_ready "voice management listening on tcp://" "voice relay listening on udp://"
tcp_addr=$(live_ready "voice management listening on tcp://")
udp_addr=$(live_ready "voice relay listening on udp://")
echo "$binary: voice management tcp://$tcp_addr, relay udp://$udp_addr"

exchange_status=0
python3 "$here/voice_exchange.py" --host "${tcp_addr%:*}" --tcp-port "${tcp_addr##*:}" \
  --udp-port "${udp_addr##*:}" --secret "$secret" --channel main || exchange_status=$?
live_finish "$exchange_status" "voice exchange"
