#!/usr/bin/env bash
# Three zkv instances behind twemproxy, on free loopback ports.
#
#   examples/twemproxy/run.sh            uses build/zkv-server (or $ZKV_SERVER)
#   REQUESTS=200000 PIPELINE=16 COMPARE=1 examples/twemproxy/run.sh
#
# With COMPARE=1 the same redis-benchmark then runs against a fourth zkv
# directly, so the proxy's cost shows next to one zkv's figures in one run.
#
# Starts three zkv-server and nutcracker (with nutcracker.yml, ports
# rewritten), runs redis-benchmark -t set,get through the proxy, then checks
# that every backend received keys (INFO keyspace) and that every key
# redis-benchmark may have written reads back through the proxy, with the
# one payload redis-benchmark writes.  Everything it started is stopped by PID on exit.
# Exit status 0 when all checks pass.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=examples/common.sh
source "$here/../common.sh"
requests=${REQUESTS:-20000}
pipeline=${PIPELINE:-1}
keyspace=${KEYSPACE:-10000}
require_tools nutcracker redis-benchmark redis-cli

backends=()
for i in 1 2 3; do
  pick_port
  port=$picked
  backends+=("$port")
  start_background "zkv$i" "$zkv" --port "$port" --bind 127.0.0.1 --save ""
done
pick_port
proxy=$picked
pick_port
stats=$picked
sed -e "s/127.0.0.1:22121/127.0.0.1:$proxy/" -e "s/127.0.0.1:7001:/127.0.0.1:${backends[0]}:/" \
    -e "s/127.0.0.1:7002:/127.0.0.1:${backends[1]}:/" -e "s/127.0.0.1:7003:/127.0.0.1:${backends[2]}:/" \
    "$here/nutcracker.yml" >"$workdir/nutcracker.yml"
for port in "${backends[@]}"; do wait_for_port "$port"; done
start_background nutcracker nutcracker -c "$workdir/nutcracker.yml" -s "$stats"
wait_for_port "$proxy"
echo "zkv on ${backends[*]}, nutcracker on $proxy"

echo "through nutcracker (three zkv):"
redis-benchmark -p "$proxy" -t set,get -n "$requests" -P "$pipeline" -r "$keyspace" -q 2>&1 |
  tr '\r' '\n' | grep "requests per second" | tee "$workdir/benchmark.txt"
[ "$(grep -c "requests per second" "$workdir/benchmark.txt")" -eq 2 ] || fail "redis-benchmark did not finish"

# Every backend got keys, and their sum is every key the benchmark wrote.
total=0
for port in "${backends[@]}"; do
  keys=$(redis-cli -p "$port" INFO keyspace | tr -d '\r' | sed -n 's/^db0:keys=\([0-9]*\),.*/\1/p')
  [ "${keys:-0}" -gt 0 ] || fail "backend $port holds no key"
  echo "backend $port: $keys keys"
  total=$((total + keys))
done

# Read every possible benchmark key through the proxy: redis-benchmark
# writes one random payload to every key, so all non-nil replies must be
# that same value, as many as the backends hold keys.
for ((i = 0; i < keyspace; i++)); do printf 'GET key:%012d\n' "$i"; done >"$workdir/gets.txt"
redis-cli -p "$proxy" <"$workdir/gets.txt" | grep -vx "" >"$workdir/values.txt" || true
found=$(wc -l <"$workdir/values.txt")
distinct=$(sort -u "$workdir/values.txt" | wc -l)
[ "$distinct" -eq 1 ] || fail "GETs through the proxy returned $distinct different values, expected 1"
[ "$found" -eq "$total" ] || fail "$found keys read through the proxy, backends hold $total"
echo "all $total keys read back through the proxy"

if [ "${COMPARE:-0}" = 1 ]; then
  pick_port
  direct=$picked
  start_background zkv-direct "$zkv" --port "$direct" --bind 127.0.0.1 --save ""
  wait_for_port "$direct"
  echo "one zkv directly (port $direct):"
  redis-benchmark -p "$direct" -t set,get -n "$requests" -P "$pipeline" -r "$keyspace" -q 2>&1 |
    tr '\r' '\n' | grep "requests per second"
fi
echo "PASSED"
