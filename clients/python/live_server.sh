# Sourced by run_live.sh and run_chat_live.sh: the life of one hark server under test.
#
#   live_init hark|hark-smol NAME   checks the binary, makes the temporary directory $work,
#                                   installs the cleanup (stop the server, remove $work)
#   live_start COMMAND...           starts the server (stdout and stderr kept in $work)
#   live_wait_ready TEXT...         waits until stdout has a line `<prog>: TEXT<value>` for each
#   live_ready TEXT                 prints the value of that line
#   live_finish STATUS WHAT         stops the server with SIGTERM; exits 0 only when STATUS (the
#                                   exchange's) and the server's exit status are both 0, otherwise
#                                   1 with the server's log shown
# shellcheck shell=bash

# Seconds the server may take to print its ready lines, and to exit after SIGTERM.
START_DEADLINE=30
STOP_DEADLINE=10

live_init() {
  binary=$1
  case "$binary" in
    hark | hark-smol) ;;
    *)
      echo "usage: $0 [hark|hark-smol]" >&2
      exit 2
      ;;
  esac
  root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
  exe=${CARGO_TARGET_DIR:-$root/target}/debug/$binary
  if [ ! -x "$exe" ]; then
    echo "$0: $exe is not built (cargo build --bin $binary)" >&2
    exit 2
  fi
  work=$(mktemp -d "${TMPDIR:-/tmp}/hark-$2-live.XXXXXX")
  server_pid=""
  trap live_cleanup EXIT
  trap 'exit 130' INT TERM
}

# Stops the server if it still runs; its exit status in $stop_status.
live_stop() {
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

live_show_log() {
  echo "--- $binary stdout"
  cat "$work/stdout"
  echo "--- $binary stderr (last 40 lines)"
  tail -n 40 "$work/stderr"
}

live_cleanup() {
  live_stop || true
  rm -rf "$work"
}

live_start() {
  # Created here, not by the background job's redirections, which may come after the first read.
  : >"$work/stdout"
  : >"$work/stderr"
  "$@" >>"$work/stdout" 2>>"$work/stderr" &
  server_pid=$!
}

live_ready() { sed -n "s|^[^:]*: $1||p" "$work/stdout" | head -n 1; }

live_wait_ready() {
  local waited=0 text all
  while true; do
    all=1
    for text in "$@"; do
      [ -n "$(live_ready "$text")" ] || all=0
    done
    [ "$all" -eq 1 ] && return 0
    if ! kill -0 "$server_pid" 2>/dev/null; then
      echo "$binary exited before it was ready"
      live_show_log
      exit 1
    fi
    if [ "$waited" -ge $((START_DEADLINE * 10)) ]; then
      echo "$binary was not ready within ${START_DEADLINE} s"
      live_show_log
      exit 1
    fi
    sleep 0.1
    waited=$((waited + 1))
  done
}

live_finish() {
  local exchange_status=$1 what=$2
  live_stop
  if [ "$stop_status" -ne 0 ]; then
    echo "$binary exited with status $stop_status after SIGTERM (expected 0)"
  fi
  if [ "$exchange_status" -ne 0 ] || [ "$stop_status" -ne 0 ]; then
    live_show_log
    exit 1
  fi
  echo "$binary: $what passed and the server stopped cleanly"
}
