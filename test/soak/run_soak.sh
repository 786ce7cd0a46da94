#!/usr/bin/env bash
# Soak test: runs echo_server under echo_soak's mixed, hostile load on the loopback, once per
# server thread count, and fails on any violation: a session error (a byte echoed wrong, an
# unexpected close, a stall), server fds not back to their baseline once the clients have left,
# server RSS growing past its warm-up level, CPU used by the idle server, or a server that does not
# exit 0 (and silently) on SIGTERM afterwards.
#
#   test/soak/run_soak.sh [--build_dir DIR] [--duration_s N] [--threads "1 2"] [-- ECHO_SOAK_FLAGS]
#
# DIR holds bin/echo_server and bin/echo_soak (default: build/release). N is the load time of each
# run in seconds (default 60); its first sixth (at least 10 s) is warm-up. Flags after -- go to
# echo_soak (see echo_soak --help), e.g. --rate 300 --seed 42.
set -euo pipefail

repo_dir=$(cd "$(dirname "$0")/../.." && pwd)
build_dir="$repo_dir/build/release"
duration_s=60
thread_counts="1 2"
# The server's limits in the soak: idle connections are reaped after 3 s; the connection limit
# stays well above what echo_soak keeps open (--max_live 1000), so no refusal is expected.
idle_timeout_ms=3000
max_connections=2048

usage() {
  sed -n '8,12s/^# \{0,1\}//p' "$0" >&2
  exit 2
}

while [[ $# -gt 0 ]]; do
  case $1 in
    --build_dir) build_dir=${2:?}; shift 2 ;;
    --duration_s) duration_s=${2:?}; shift 2 ;;
    --threads) thread_counts=${2:?}; shift 2 ;;
    --) shift; break ;;
    *) usage ;;
  esac
done
[[ "$duration_s" =~ ^[0-9]+$ && "$duration_s" -ge 2 ]] || usage
# A sixth of the run, but at least 10 s (RSS keeps rising for the first seconds of load) when the
# run is long enough for that.
warmup_s=$((duration_s / 6))
if [[ $warmup_s -lt 10 ]]; then warmup_s=$((duration_s / 2 < 10 ? duration_s / 2 : 10)); fi

server_bin="$build_dir/bin/echo_server"
soak_bin="$build_dir/bin/echo_soak"
for binary in "$server_bin" "$soak_bin"; do
  if [[ ! -x "$binary" ]]; then
    echo "run_soak: $binary not found; build first (cmake --workflow --preset release)" >&2
    exit 2
  fi
done

work_dir=$(mktemp -d)
server_pid=""
cleanup() {
  if [[ -n "$server_pid" ]]; then kill -KILL "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work_dir"
}
trap cleanup EXIT

# start_server THREADS: starts echo_server on a free port; sets server_pid and server_port.
start_server() {
  local line=""
  "$server_bin" --host 127.0.0.1 --port 0 --threads "$1" --idle_timeout_ms "$idle_timeout_ms" \
    --max_connections "$max_connections" >"$work_dir/server.out" 2>"$work_dir/server.err" &
  server_pid=$!
  for _ in $(seq 100); do
    line=$(head -n 1 "$work_dir/server.out")
    [[ -n "$line" ]] && break
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.1
  done
  if [[ ! "$line" =~ ^Listening\ on\ 127\.0\.0\.1:([0-9]+)$ ]]; then
    echo "run_soak: echo_server printed '$line' instead of 'Listening on 127.0.0.1:PORT'" >&2
    cat "$work_dir/server.err" >&2
    kill -KILL "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=""
    return 1
  fi
  server_port=${BASH_REMATCH[1]}
}

# stop_server: SIGTERM; the server must exit 0 within 10 s, having written nothing to stderr.
stop_server() {
  local status=0
  kill -TERM "$server_pid"
  for _ in $(seq 100); do
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$server_pid" 2>/dev/null; then
    echo "run_soak: echo_server still running 10 s after SIGTERM" >&2
    return 1
  fi
  wait "$server_pid" || status=$?
  server_pid=""
  if [[ $status -ne 0 ]]; then
    echo "run_soak: echo_server exited with status $status after SIGTERM" >&2
    return 1
  fi
  if [[ -s "$work_dir/server.err" ]]; then
    echo "run_soak: echo_server wrote to stderr:" >&2
    cat "$work_dir/server.err" >&2
    return 1
  fi
}

failed=""
for threads in $thread_counts; do
  echo "== soak: echo_server --threads $threads, ${duration_s} s of load"
  if ! start_server "$threads"; then
    failed+=" threads=$threads"
    continue
  fi
  soak_status=0
  "$soak_bin" --host 127.0.0.1 --port "$server_port" --server_pid "$server_pid" \
    --duration_s "$duration_s" --warmup_s "$warmup_s" --idle_timeout_ms "$idle_timeout_ms" \
    "$@" || soak_status=$?
  stop_server || soak_status=1
  [[ $soak_status -eq 0 ]] || failed+=" threads=$threads"
done

if [[ -n "$failed" ]]; then
  echo "run_soak: FAIL ($failed )" >&2
  exit 1
fi
echo "run_soak: PASS (threads: $thread_counts)"
