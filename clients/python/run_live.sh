#!/usr/bin/env bash
# Runs voice_exchange.py against a freshly started server: `run_live.sh [hark|hark-smol]`.
#
# Starts target/debug/<binary> (default hark; $CARGO_TARGET_DIR is honoured) with a temporary
# configuration — a random jwt_secret, the voice management and relay ports and the audio port on
# 127.0.0.1 port 0, one open channel `main`, its data directory in a temporary directory — waits
# for its ready lines, runs the exchange, then stops the server with SIGTERM and requires exit
# status 0. Exits 0 when both went well; otherwise non-zero, with the server's log shown.
# Build the binary first: cargo build --bin hark --bin hark-smol.
set -euo pipefail

# Seconds the server may take to print its ready lines, and to exit after SIGTERM.
START_DEADLINE=30
STOP_DEADLINE=10

binary=${1:-hark}
case "$binary" in
  hark | hark-smol) ;;
  *)
    echo "usage: $0 [hark|hark-smol]" >&2
    exit 2
    ;;
esac

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
exe=${CARGO_TARGET_DIR:-$root/target}/debug/$binary
if [ ! -x "$exe" ]; then
  echo "$0: $exe is not built (cargo build --bin $binary)" >&2
  exit 2
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/hark-voice-live.XXXXXX")
server_pid=""

# Stops the server if it still runs; its exit status in $stop_status.
stop_server() {
  stop_status=0
  [ -n "$server_pid" ] || return 0
  if kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null || true
    local waited=0
    while kill -0 "$server_pid" 2>/dev/null && [ "$waited" -lt $((STOP_DEADLINE * 10)) ]; do
      sleep 0.1
      waited=$((waited + 1))
    done
    if kill -0 "$server_pid" 2>/dev/null; then
      echo "$binary did not exit within ${STOP_DEADLINE} s of SIGTERM: killed"
      kill -KILL "$server_pid" 2>/dev/null || true
    fi
  fi
  wait "$server_pid" 2>/dev/null || stop_status=$?
  server_pid=""
}

show_log() {
  echo "--- $binary stdout"
  cat "$work/stdout"
  echo "--- $binary stderr (last 40 lines)"
  tail -n 40 "$work/stderr"
}

cleanup() {
  stop_server || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

secret=$(python3 -c 'import secrets; print(secrets.token_hex(32))')
cat >"$work/hark.toml" <<EOF
jwt_secret = "$secret"
data_dir = "$work/data"

[audio]
bind_addr = "127.0.0.1:0"

[voice]
management_addr = "127.0.0.1:0"
relay_addr = "127.0.0.1:0"

[[channels]]
id = "main"
EOF

# The environment overrides the file (README, configuration): keep it out of this run.
env -u JWT_SECRET -u HARK_DATA_DIR -u AUDIO_BIND_ADDR -u MANAGEMENT_PORT -u VOICE_RELAY_PORT \
  "$exe" serve --config "$work/hark.toml" >"$work/stdout" 2>"$work/stderr" &
server_pid=$!

# The server announces its sockets on stdout once they are bound:
#   <prog>: voice management listening on tcp://ADDR
#   <prog>: voice relay listening on udp://ADDR
ready_addr() { sed -n "s|^.*: voice $1 listening on $2://||p" "$work/stdout" | head -n 1; }
tcp_addr="" udp_addr="" waited=0
while true; do
  tcp_addr=$(ready_addr management tcp)
  udp_addr=$(ready_addr relay udp)
  [ -n "$tcp_addr" ] && [ -n "$udp_addr" ] && break
  if ! kill -0 "$server_pid" 2>/dev/null; then
    echo "$binary exited before it was ready"
    show_log
    exit 1
  fi
  if [ "$waited" -ge $((START_DEADLINE * 10)) ]; then
    echo "$binary was not ready within ${START_DEADLINE} s"
    show_log
    exit 1
  fi
  sleep 0.1
  waited=$((waited + 1))
done
echo "$binary: voice management tcp://$tcp_addr, relay udp://$udp_addr"

exchange_status=0
python3 "$here/voice_exchange.py" --host "${tcp_addr%:*}" --tcp-port "${tcp_addr##*:}" \
  --udp-port "${udp_addr##*:}" --secret "$secret" --channel main || exchange_status=$?

stop_server
if [ "$stop_status" -ne 0 ]; then
  echo "$binary exited with status $stop_status after SIGTERM (expected 0)"
fi
if [ "$exchange_status" -ne 0 ] || [ "$stop_status" -ne 0 ]; then
  show_log
  exit 1
fi
echo "$binary: voice exchange passed and the server stopped cleanly"
