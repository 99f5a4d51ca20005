#!/usr/bin/env bash
# The stream benchmark: hark, hark-smol and nginx serving the same 64 MiB file to the same load,
# back to back, each server pinned to CPU 0 and the load (`hark-bench http`) to CPU 1.
#
#   run_http.sh [--secs D] [--connections N] [--range BYTES] [--rounds R] [--servers LIST]
#
# Defaults: 10 s per run, 64 keep-alive connections, 64 KiB random Ranges, 3 rounds, servers
# nginx,hark,hark-smol (nginx is skipped, with a note, where it is not installed). Builds the
# release binaries, writes the file (random bytes) and every configuration into a temporary
# directory; then, R times, starts each server in turn, runs the load against it and stops it
# (rounds interleave the servers, so a slow spell of the machine does not fall on one server
# only). Prints a table with each server's median run (by requests/s) and its ratios to nginx's.
# Loopback only; every step is bounded (a server gets 30 s to start and 5 s to stop, a run waits
# at most 20 s for the machine to be idle) and the temporary directory and every server are gone
# when the script ends, however it ends.
#
# nginx is set up as a static file server tuned for the job: one worker, sendfile, tcp_nopush,
# no access log, 100 000 requests per connection, `/stream/{id}` mapped to `{dir}/{id}.mp3`
# (the signature in the query is ignored: nginx does not check it). hark gets the same
# `keepalive_requests`, so neither server makes the load reconnect.
set -euo pipefail

secs=10
connections=64
range=65536
rounds=3
servers=nginx,hark,hark-smol
while [ $# -gt 0 ]; do
  case "$1" in
    --secs) secs=$2 ;;
    --connections) connections=$2 ;;
    --range) range=$2 ;;
    --rounds) rounds=$2 ;;
    --servers) servers=$2 ;;
    *)
      echo "usage: $0 [--secs D] [--connections N] [--range BYTES] [--rounds R]" \
        "[--servers nginx,hark,hark-smol]" >&2
      exit 2
      ;;
  esac
  shift 2
done

START_DEADLINE=30
STOP_DEADLINE=5
FILE_MIB=64
ID=bench
KEEPALIVE_REQUESTS=100000
# Seconds each run may wait for the machine to be idle before it starts anyway (and says so).
QUIET_WAIT=20

root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
cargo build --release -p hark-bench -p hark-tokio -p hark-smol
target=${CARGO_TARGET_DIR:-$root/target}
bench=$target/release/hark-bench

work=$(mktemp -d "${TMPDIR:-/tmp}/hark-bench-http.XXXXXX")
server_pid=""
stop_server() {
  [ -n "$server_pid" ] || return 0
  kill -TERM "$server_pid" 2>/dev/null || true
  local waited=0
  while kill -0 "$server_pid" 2>/dev/null && [ "$waited" -lt $((STOP_DEADLINE * 10)) ]; do
    sleep 0.1
    waited=$((waited + 1))
  done
  kill -KILL "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
  server_pid=""
}
cleanup() {
  stop_server
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# nginx's workers may run as another user than this script: the file must be readable by all.
chmod 755 "$work"
mkdir -m 755 "$work/media" "$work/data" "$work/results"
head -c $((FILE_MIB * 1024 * 1024)) /dev/urandom >"$work/media/$ID.mp3"
chmod 644 "$work/media/$ID.mp3"
secret=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Waits until something accepts connections on 127.0.0.1:$1, or the server exits, or the
# deadline passes.
wait_port() {
  local waited=0
  until (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; do
    if ! kill -0 "$server_pid" 2>/dev/null || [ "$waited" -ge $((START_DEADLINE * 10)) ]; then
      return 1
    fi
    sleep 0.1
    waited=$((waited + 1))
  done
}

start_nginx() {
  local port prefix=$work/nginx
  port=$(free_port)
  mkdir -p "$prefix/logs"
  cat >"$prefix/nginx.conf" <<EOF
worker_processes 1;
daemon off;
pid $prefix/nginx.pid;
error_log $prefix/logs/error.log warn;
events {
    worker_connections 1024;
}
http {
    default_type audio/mpeg;
    sendfile on;
    tcp_nopush on;
    access_log off;
    keepalive_requests $KEEPALIVE_REQUESTS;
    client_body_temp_path $prefix/client_body;
    proxy_temp_path $prefix/proxy;
    fastcgi_temp_path $prefix/fastcgi;
    uwsgi_temp_path $prefix/uwsgi;
    scgi_temp_path $prefix/scgi;
    server {
        listen 127.0.0.1:$port;
        location ~ "^/stream/(?<id>[A-Za-z0-9_-]{1,128})\$" {
            alias $work/media/\$id.mp3;
        }
    }
}
EOF
  taskset -c 0 nginx -p "$prefix" -e "$prefix/logs/error.log" -c "$prefix/nginx.conf" \
    >"$prefix/logs/stdout" 2>&1 &
  server_pid=$!
  if ! wait_port "$port"; then
    echo "nginx did not start:" >&2
    cat "$prefix/logs/stdout" "$prefix/logs/error.log" >&2 || true
    return 1
  fi
  server_addr=127.0.0.1:$port
  # The worker serves (the master only watches it): its CPU is the server's.
  local waited=0
  measured_pid=""
  while [ -z "$measured_pid" ] && [ "$waited" -lt $((START_DEADLINE * 10)) ]; do
    measured_pid=$(ps --ppid "$server_pid" -o pid= | head -n 1 | tr -d ' ')
    [ -n "$measured_pid" ] || sleep 0.1
    waited=$((waited + 1))
  done
  [ -n "$measured_pid" ] || measured_pid=$server_pid
}

start_hark() {
  local exe=$target/release/$1 dir=$work/$1
  mkdir -p "$dir"
  cat >"$dir/hark.toml" <<EOF
# Written by run_http.sh: the stream service alone, on a free loopback port.
data_dir = '$work/data'

[log]
filter = 'warn'

[admin]
enabled = false

[audio]
enabled = false

[voice]
enabled = false

[chat]
enabled = false

[stream]
enabled = true
bind_addr = '127.0.0.1:0'
media_dir = '$work/media'
secret = '$secret'
keepalive_requests = $KEEPALIVE_REQUESTS
EOF
  : >"$dir/stdout"
  env -u SECRET_KEY -u STREAM_SERVER_PORT -u STREAM_MEDIA_DIR -u HARK_DATA_DIR \
    taskset -c 0 "$exe" serve --config "$dir/hark.toml" >>"$dir/stdout" 2>"$dir/stderr" &
  server_pid=$!
  # The ready line: `<prog>: stream listening on http://ADDR`.
  local waited=0
  server_addr=""
  while [ -z "$server_addr" ]; do
    server_addr=$(sed -n 's|^.*stream listening on http://\([^ ]*\).*$|\1|p' "$dir/stdout" | head -n 1)
    [ -n "$server_addr" ] && break
    if ! kill -0 "$server_pid" 2>/dev/null || [ "$waited" -ge $((START_DEADLINE * 10)) ]; then
      echo "$1 did not start:" >&2
      cat "$dir/stdout" >&2
      tail -n 20 "$dir/stderr" >&2
      return 1
    fi
    sleep 0.1
    waited=$((waited + 1))
  done
  measured_pid=$server_pid
}

echo "machine: $(nproc) CPUs ($(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)), " \
  "Linux $(uname -r), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "load: $connections connections x ${range} B random Ranges of a $FILE_MIB MiB file, $secs s per server;" \
  "servers on CPU 0, load on CPU 1"

if [[ ",$servers," == *,nginx,* ]]; then
  if command -v nginx >/dev/null 2>&1; then
    echo "nginx: $(nginx -v 2>&1 | sed 's/^nginx version: //')"
  else
    echo "nginx: not installed, skipped (apt-get install nginx)"
  fi
fi

ran=()
for round in $(seq "$rounds"); do
  for server in ${servers//,/ }; do
    case "$server" in
      nginx)
        command -v nginx >/dev/null 2>&1 || continue
        start_nginx || exit 1
        ;;
      hark | hark-smol)
        start_hark "$server" || exit 1
        ;;
      *)
        echo "unknown server $server (expected nginx, hark, hark-smol)" >&2
        exit 2
        ;;
    esac
    # Let the server settle (nginx's worker, hark's first accept) before the window opens.
    sleep 0.5
    result=$work/results/$server.$round.json
    status=0
    taskset -c 1 "$bench" http --url "http://$server_addr" --secret "$secret" --id "$ID" \
      --connections "$connections" --secs "$secs" --range "$range" \
      --label "$server" --server-pid "$measured_pid" --quiet-wait "$QUIET_WAIT" >"$result" ||
      status=$?
    stop_server
    if [ "$status" -ne 0 ]; then
      echo "$server: the load failed (status $status)" >&2
      exit 1
    fi
    ran+=("$result")
  done
done

[ ${#ran[@]} -gt 0 ] || exit 0
python3 - "${ran[@]}" <<'EOF'
import json
import sys

every = [json.load(open(path)) for path in sys.argv[1:]]
labels = list(dict.fromkeys(r["label"] for r in every))
# Each server's median run by requests/s (the lower middle one of an even count).
runs = []
for label in labels:
    mine = sorted((r for r in every if r["label"] == label), key=lambda r: r["requests_per_sec"])
    runs.append(mine[(len(mine) - 1) // 2])
nginx = next((r for r in runs if r["label"] == "nginx"), None)
print()
print(f"median of {len(every) // len(labels)} runs per server:")
print(f"{'server':<10} {'requests/s':>11} {'MiB/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7} "
      f"{'srv CPU':>8} {'gen CPU':>8} {'us/req':>7} {'req/s ratio':>12} {'CPU ratio':>10}")
for r in runs:
    cpu = r["cpu"]
    server_cpu = (cpu["server_cpu"] or {}).get("utilisation")
    per_request = r["server_us_per_request"]
    ratio = cpu_ratio = "-"
    if nginx:
        ratio = f"{r['requests_per_sec'] / nginx['requests_per_sec']:.3f}"
        if per_request and nginx["server_us_per_request"]:
            cpu_ratio = f"{nginx['server_us_per_request'] / per_request:.3f}"
    print(f"{r['label']:<10} {r['requests_per_sec']:>11.0f} {r['mib_per_sec']:>9.1f} "
          f"{r['latency_ms']['p50']:>8.3f} {r['latency_ms']['p99']:>8.3f} {r['error_count']:>7} "
          f"{(server_cpu or 0) * 100:>7.0f}% {cpu['generator_cpu']['utilisation'] * 100:>7.0f}% "
          f"{per_request or 0:>7.1f} {ratio:>12} {cpu_ratio:>10}")
others = [max(r["cpu"]["other_load"] or [0]) for r in every]
print("req/s ratio: requests/s over nginx's; CPU ratio: nginx's server CPU per request over the "
      "server's (both: higher is better).")
if max(others) > 0.10:
    print(f"note: up to {max(others) * 100:.0f}% of a pinned core was busy with something else than "
          "the server and the load (other processes, interrupt work) during a run; when the load's "
          "core is the busy one, requests/s measures it more than the server, and the CPU ratio "
          "is the steadier figure")
bad = sorted({r["label"] for r in every if r["error_count"]})
if bad:
    print(f"errors in: {', '.join(bad)} (see the lines above)")
    sys.exit(1)
EOF
