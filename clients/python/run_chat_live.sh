#!/usr/bin/env bash
# Runs chat_exchange.py against a freshly started server: `run_chat_live.sh [hark|hark-smol]`.
#
# Starts target/debug/<binary> (default hark; $CARGO_TARGET_DIR is honoured) with only the `chat`
# service, on 127.0.0.1 port 0, its data directory in a temporary directory, and limits other
# than the defaults so that the exchange also shows they are applied: the seed's four through
# its environment variables (RATE_LIMIT_*), the others through the file. Waits for the ready
# line, runs the exchange, then stops the server with SIGTERM and requires exit status 0. Exits 0
# when both went well; otherwise non-zero, with the server's log shown.
#
# The exchange ends by getting 127.0.0.1 blocked (block_threshold violations): that is why each
# run has a server of its own. Python needs the `websockets` package (>= 13); $PYTHON, if set,
# names the interpreter that has it. Build the binary first: cargo build --bin hark --bin hark-smol.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=live_server.sh
. "$here/live_server.sh"
live_init "${1:-hark}" chat
python=${PYTHON:-python3}

# The limits the exchange is told about. Small enough for a full room and the per-IP limit to be
# reached with a few connections; block_threshold above the violations the exchange causes
# before its blocking check (16; the exchange says so if they are too many).
message_limit=12
join_limit=4
connection_limit_per_ip=8
max_message_size=4096
max_users_per_room=4
block_threshold=24
# Seconds: the heartbeat check waits about heartbeat_timeout.
heartbeat_interval=0.5
heartbeat_timeout=1.5

cat >"$work/hark.toml" <<EOF
data_dir = "$work/data"

[audio]
enabled = false

[voice]
enabled = false

[chat]
bind_addr = "127.0.0.1:0"
max_users_per_room = $max_users_per_room
block_threshold = $block_threshold
heartbeat_interval = "500ms"
heartbeat_timeout = "1500ms"
EOF

# The environment overrides the file (README, configuration): PORT would replace the port.
live_start env -u PORT -u HARK_DATA_DIR -u JWT_SECRET \
  RATE_LIMIT_MESSAGE_LIMIT=$message_limit RATE_LIMIT_JOIN_LIMIT=$join_limit \
  RATE_LIMIT_CONNECTION_LIMIT_PER_IP=$connection_limit_per_ip \
  RATE_LIMIT_MAX_MESSAGE_SIZE=$max_message_size \
  "$exe" serve --config "$work/hark.toml"

# The server announces its socket on stdout once it is bound:
#   <prog>: chat listening on http://ADDR
live_wait_ready "chat listening on http://"
addr=$(live_ready "chat listening on http://")
echo "$binary: chat http://$addr"

exchange_status=0
"$python" "$here/chat_exchange.py" --url "http://$addr" \
  --message-limit $message_limit --join-limit $join_limit \
  --connection-limit-per-ip $connection_limit_per_ip --max-message-size $max_message_size \
  --max-users-per-room $max_users_per_room --block-threshold $block_threshold \
  --heartbeat-interval $heartbeat_interval --heartbeat-timeout $heartbeat_timeout ||
  exchange_status=$?
live_finish "$exchange_status" "chat exchange"
