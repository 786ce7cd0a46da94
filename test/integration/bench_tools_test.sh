#!/usr/bin/env bash
# Checks the benchmark tools end to end on loopback:
#   bench_tools_test.sh ECHO_BENCH PEER_SERVER...
# Each peer server starts on a free port (--port 0); echo_bench must finish a verified run against
# it with no errors, and the server must exit 0 on SIGTERM having printed only its Listening line.
# Also checks echo_bench's exit status for a bad command line and for a server that is gone.
set -euo pipefail

if [[ $# -lt 2 ]]; then
  echo "usage: $0 ECHO_BENCH PEER_SERVER..." >&2
  exit 2
fi
echo_bench=$1
shift

work_dir=$(mktemp -d)
server_pid=""
cleanup() {
  if [[ -n "$server_pid" ]]; then kill -KILL "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work_dir"
}
trap cleanup EXIT

failures=0
fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}

# start_server SERVER HOST: starts it in the background, sets server_pid and server_port.
start_server() {
  local server=$1 host=$2 line=""
  : >"$work_dir/server.out"  # truncated here, or the loop below could read the previous server's
  "$server" --host "$host" --port 0 >"$work_dir/server.out" 2>"$work_dir/server.err" &
  server_pid=$!
  for _ in $(seq 100); do
    line=$(head -n 1 "$work_dir/server.out")
    [[ -n "$line" ]] && break
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.1
  done
  if [[ ! "$line" =~ ^Listening\ on\ (.+):([0-9]+)$ ]] || [[ "${BASH_REMATCH[1]}" != "$host" ]]; then
    fail "$server printed '$line' instead of 'Listening on $host:PORT'"
    cat "$work_dir/server.err" >&2
    kill -KILL "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=""
    return 1
  fi
  server_port=${BASH_REMATCH[2]}
}

# stop_server SERVER: SIGTERM, then the server must exit 0 within 10 s.
stop_server() {
  local server=$1 status=0
  kill -TERM "$server_pid"
  for _ in $(seq 100); do
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$server_pid" 2>/dev/null; then
    fail "$server did not exit within 10 s of SIGTERM"
    kill -KILL "$server_pid"
  fi
  wait "$server_pid" || status=$?
  server_pid=""
  [[ $status -eq 0 ]] || fail "$server exited $status after SIGTERM"
  local lines
  lines=$(wc -l <"$work_dir/server.out")
  [[ $lines -eq 1 ]] || fail "$server printed $lines lines on stdout, expected 1"
  if [[ -s "$work_dir/server.err" ]]; then
    fail "$server wrote to stderr:"
    cat "$work_dir/server.err" >&2
  fi
}

# json_field NAME: the numeric field NAME of the JSON line in bench.out.
json_field() {
  grep '^JSON {' "$work_dir/bench.out" | grep -o "\"$1\":[0-9.]*" | cut -d: -f2
}

# run_bench ARGS...: runs echo_bench (bounded), sets bench_status.
run_bench() {
  bench_status=0
  timeout 60 "$echo_bench" "$@" >"$work_dir/bench.out" 2>"$work_dir/bench.err" || bench_status=$?
}

check_peer() {
  local server=$1 host=$2
  start_server "$server" "$host" || return 0
  run_bench --host "$host" --port "$server_port" --requests 2000 --connections 10 \
    --message_size 100 --pipeline 2
  if [[ $bench_status -ne 0 || "$(json_field errors)" != "0" || "$(json_field requests)" != "2000" ]]
  then
    fail "echo_bench against $server on $host exited $bench_status"
    cat "$work_dir/bench.out" "$work_dir/bench.err" >&2
  fi
  stop_server "$server"
}

ipv6_loopback=false
if grep -qs ' lo$' /proc/net/if_inet6; then ipv6_loopback=true; fi

for server in "$@"; do
  check_peer "$server" 127.0.0.1
  if $ipv6_loopback; then check_peer "$server" ::1; fi
  if "$server" --port 70000 >/dev/null 2>&1; then
    fail "$server accepted --port 70000"
  elif [[ $? -ne 2 ]]; then
    fail "$server did not exit 2 for --port 70000"
  fi
done

# A port that was just released has no listener: every connection fails, so the run fails.
if start_server "$1" 127.0.0.1; then
  closed_port=$server_port
  stop_server "$1"
  run_bench --port "$closed_port" --requests 100 --connections 3
  if [[ $bench_status -ne 1 || "$(json_field connect_errors)" != "3" ]]; then
    fail "echo_bench against a closed port exited $bench_status"
    cat "$work_dir/bench.out" "$work_dir/bench.err" >&2
  fi
fi

for bad_flags in "" "--port 0" "--port 65536" "--port x" "--port 1 --pipeline 0" "--port 1 --nope"; do
  run_bench $bad_flags
  if [[ $bench_status -ne 2 || $(wc -l <"$work_dir/bench.err") -ne 1 ]]; then
    fail "echo_bench '$bad_flags' exited $bench_status with: $(cat "$work_dir/bench.err")"
  fi
done

if [[ $failures -ne 0 ]]; then
  echo "$failures check(s) failed" >&2
  exit 1
fi
echo "bench tools: all checks passed ($# peer servers)"
