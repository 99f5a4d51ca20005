#!/usr/bin/env bash
# Runs signal_exchange.mjs (the stock socket.io-client v4) against a freshly started server, with
# the SFU stand-in on the other side of its SFU link: `run_signal_live.sh [hark|hark-smol]`.
#
# Starts $CARGO_TARGET_DIR/debug/hark-sfu-standin (default target/) on a free loopback port with
# a random SERVER_TOKEN, then target/debug/<binary> (default hark) with only the `signal`
# service: a random jwt_secret, bind_addr on 127.0.0.1 port 0, SFU_WS_HOST at the stand-in, one
# open channel `voice`, its data directory in a temporary directory. Waits for the ready lines,
# runs `npm ci` if node_modules is missing (the npm registry only), runs the exchange, then stops
# the server with SIGTERM (requiring exit status 0) and the stand-in (end of its standard input).
# Exits 0 when all went well; otherwise non-zero, with the logs shown.
# Build first: cargo build --bin hark --bin hark-smol --bin hark-sfu-standin. Needs node >= 18.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../python/live_server.sh
. "$here/../python/live_server.sh"
live_init "${1:-hark}" signal

standin=${CARGO_TARGET_DIR:-$root/target}/debug/hark-sfu-standin
if [ ! -x "$standin" ]; then
  echo "$0: $standin is not built (cargo build --bin hark-sfu-standin)" >&2
  exit 2
fi

# The stand-in runs until its standard input ends: a FIFO whose only writer is this script.
standin_pid=""
standin_in=""
standin_stop() {
  [ -n "$standin_pid" ] || return 0
  [ -z "$standin_in" ] || exec {standin_in}>&-
  standin_in=""
  local waited=0
  while kill -0 "$standin_pid" 2>/dev/null && [ "$waited" -lt $((STOP_DEADLINE * 10)) ]; do
    sleep 0.1
    waited=$((waited + 1))
  done
  kill -TERM "$standin_pid" 2>/dev/null || true
  wait "$standin_pid" 2>/dev/null || true
  standin_pid=""
}
signal_cleanup() {
  live_stop || true
  standin_stop || true
  rm -rf "$work"
}
trap signal_cleanup EXIT

standin_log() {
  echo "--- hark-sfu-standin stdout (what hark sent it)"
  cat "$work/sfu.log"
  echo "--- hark-sfu-standin stderr"
  cat "$work/sfu.err"
}

secret=$(node -e 'console.log(require("node:crypto").randomBytes(32).toString("hex"))')
sfu_token=$(node -e 'console.log(require("node:crypto").randomBytes(16).toString("hex"))')
server_name=techial.example.com
channel=voice

mkfifo "$work/sfu.in"
"$standin" --listen 127.0.0.1:0 --token "$sfu_token" <"$work/sfu.in" >"$work/sfu.log" 2>"$work/sfu.err" &
standin_pid=$!
exec {standin_in}>"$work/sfu.in"
waited=0
until sfu_url=$(sed -n 's|^listening on ||p' "$work/sfu.log") && [ -n "$sfu_url" ]; do
  if ! kill -0 "$standin_pid" 2>/dev/null || [ "$waited" -ge $((START_DEADLINE * 10)) ]; then
    echo "hark-sfu-standin did not start"
    standin_log
    exit 1
  fi
  sleep 0.1
  waited=$((waited + 1))
done
echo "SFU stand-in: $sfu_url"

cat >"$work/hark.toml" <<EOF_CONFIG
jwt_secret = "$secret"
data_dir = "$work/data"

[audio]
enabled = false

[voice]
enabled = false

[chat]
enabled = false

[signal]
enabled = true
bind_addr = "127.0.0.1:0"
server_name = "$server_name"
sfu_ws_host = "$sfu_url"
server_token = "$sfu_token"

[[channels]]
id = "$channel"
name = "Voice Chat"
EOF_CONFIG

# The environment overrides the file (README, configuration): keep it out of this run.
live_start env -u JWT_SECRET -u HARK_DATA_DIR -u SIGNAL_PORT -u SERVER_NAME -u SERVER_ICON \
  -u STUN_SERVERS -u SERVER_INVITE_ONLY -u SERVER_INVITE_CODES -u CORS_ORIGIN -u SERVER_TOKEN \
  -u SFU_WS_HOST -u NODE_ENV -u RATE_LIMIT_SIGNAL -u RATE_LIMIT_SERVER_JOIN \
  "$exe" serve --config "$work/hark.toml"

# The server announces its socket on stdout once it is bound:
#   <prog>: signal listening on http://ADDR
live_wait_ready "signal listening on http://"
addr=$(live_ready "signal listening on http://")
echo "$binary: signal http://$addr"

if [ ! -d "$here/node_modules" ]; then
  (cd "$here" && npm ci --no-audit --no-fund)
fi

exchange_status=0
node "$here/signal_exchange.mjs" --url "http://$addr" --secret "$secret" \
  --server-name "$server_name" --channel "$channel" --sfu-log "$work/sfu.log" ||
  exchange_status=$?
[ "$exchange_status" -eq 0 ] || standin_log
live_finish "$exchange_status" "socket.io-client exchange"
