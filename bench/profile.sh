#!/usr/bin/env bash
# Profiles one server under redis-benchmark with perf: where its CPU goes.
#
#   bench/profile.sh [SERVER_BINARY] [TEST] [PIPELINE] [REQUESTS]
#   (defaults: build/zkv-server set 16 2000000)
#
# Starts the server on a free 127.0.0.1 port (the same settings bench.py
# uses), records it with `perf record -e cpu-clock -g` (a software clock, so
# it works without hardware counters in a VM) while redis-benchmark runs
# the test, and writes the flat and the caller-annotated top of the profile
# to bench/results/profile-<server>-<test>-P<depth>.txt: the evidence the
# report's notes cite for a target that is not met.  It stops the server
# and perf by PID, also on failure.
set -euo pipefail

bench_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
server=${1:-$bench_dir/../build/zkv-server}
test=${2:-set}
depth=${3:-16}
requests=${4:-2000000}
command -v perf >/dev/null || { echo "profile.sh: perf is not installed" >&2; exit 1; }

work=$(mktemp -d)
server_pid=""
perf_pid=""
cleanup() {
  [ -n "$perf_pid" ] && kill -INT "$perf_pid" 2>/dev/null && wait "$perf_pid" 2>/dev/null
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
args=(--port "$port" --bind 127.0.0.1 --maxmemory 8gb --maxmemory-policy noeviction
      --logfile "$work/server.log")
if "$server" --version 2>/dev/null | grep -q '^Redis server'; then
  name=redis
  args+=(--save "" --appendonly no)
else
  name=zkv
fi
"$server" "${args[@]}" > "$work/console.log" 2>&1 &
server_pid=$!
for _ in $(seq 100); do
  redis-cli -p "$port" ping 2>/dev/null | grep -q PONG && break
  sleep 0.1
done
redis-cli -p "$port" ping | grep -q PONG || { echo "profile.sh: server did not start" >&2; exit 1; }

# Fill the keyspace first so GET profiles hits, then profile only the test.
timeout 300 redis-benchmark -p "$port" -c 50 -n 1000000 -r 1000000 -d 3 -P 64 -t set -q >/dev/null
perf record -e cpu-clock -g -p "$server_pid" -o "$work/perf.data" >/dev/null 2>&1 &
perf_pid=$!
sleep 0.5
timeout 600 redis-benchmark -p "$port" -c 50 -n "$requests" -r 1000000 -d 3 -P "$depth" \
  -t "$test" --csv > "$work/bench.txt"
kill -INT "$perf_pid"
wait "$perf_pid" || true
perf_pid=""

out=$bench_dir/results/profile-$name-$test-P$depth.txt
mkdir -p "$bench_dir/results"
{
  echo "# perf profile of $name ($("$server" --version | head -n 1))"
  echo "# redis-benchmark -c 50 -n $requests -r 1000000 -d 3 -P $depth -t $test: $(tail -n 1 "$work/bench.txt")"
  echo "# perf record -e cpu-clock -g -p <server pid>; self time per symbol:"
  perf report -i "$work/perf.data" --stdio --no-children --sort symbol -g none 2>&1 |
    grep -v -e '^#' -e '^$' | head -n 40 || true
  echo
  echo "# time including callees (top 30):"
  perf report -i "$work/perf.data" --stdio --children --sort symbol -g none 2>&1 |
    grep -v -e '^#' -e '^$' | head -n 30 || true
} > "$out"
echo "profile.sh: wrote $out"
