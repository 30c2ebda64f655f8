#!/usr/bin/env bash
# Three zkv nodes as a Redis Cluster with a static topology, on free
# loopback ports, driven by Redis's own cluster tools.
#
#   examples/cluster/run.sh              uses build/zkv-server (or $ZKV_SERVER)
#   REQUESTS=200000 PIPELINE=16 examples/cluster/run.sh
#
# Starts the nodes (cluster.topology, ports rewritten), checks the cluster
# with redis-cli --cluster check, writes and reads keys with redis-cli -c
# (which follows -MOVED), and runs redis-benchmark --cluster -t set,get.
# Everything it started is stopped by PID on exit; exit status 0 when all
# checks pass.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=examples/common.sh
source "$here/../common.sh"
requests=${REQUESTS:-20000}
pipeline=${PIPELINE:-1}
require_tools redis-cli redis-benchmark

nodes=()
for i in 0 1 2; do
  pick_port
  nodes+=("$picked")
done
sed -e "s/^127.0.0.1:7001 /127.0.0.1:${nodes[0]} /" -e "s/^127.0.0.1:7002 /127.0.0.1:${nodes[1]} /" \
    -e "s/^127.0.0.1:7003 /127.0.0.1:${nodes[2]} /" "$here/cluster.topology" >"$workdir/cluster.topology"
for i in 0 1 2; do
  start_background "node$i" "$zkv" --port "${nodes[$i]}" --bind 127.0.0.1 --save "" \
    --cluster-enabled yes --cluster-topology-file "$workdir/cluster.topology"
done
for port in "${nodes[@]}"; do wait_for_port "$port"; done
echo "zkv cluster nodes on ${nodes[*]}"

redis-cli --cluster check "127.0.0.1:${nodes[0]}" >"$workdir/check.txt" 2>&1 || fail "$(cat "$workdir/check.txt")"
grep -q "All 16384 slots covered" "$workdir/check.txt" || fail "redis-cli --cluster check: $(cat "$workdir/check.txt")"
echo "redis-cli --cluster check: all 16384 slots covered"

for i in $(seq 1 30); do
  [ "$(redis-cli -c -p "${nodes[0]}" SET "user:$i" "value-$i")" = OK ] || fail "SET user:$i"
done
for port in "${nodes[@]}"; do
  for i in $(seq 1 30); do
    [ "$(redis-cli -c -p "$port" GET "user:$i")" = "value-$i" ] || fail "GET user:$i through node $port"
  done
  [ "$(redis-cli -p "$port" DBSIZE)" -gt 0 ] || fail "node $port holds no key"
done
echo "redis-cli -c: 30 keys written through one node, read back through each"

redis-benchmark --cluster -p "${nodes[0]}" -t set,get -n "$requests" -P "$pipeline" -r 100000 -q 2>&1 |
  tr '\r' '\n' | grep -i -e "requests per second" -e error | tee "$workdir/benchmark.txt"
! grep -qi error "$workdir/benchmark.txt" || fail "redis-benchmark --cluster reported errors"
[ "$(grep -c "requests per second" "$workdir/benchmark.txt")" -eq 2 ] || fail "redis-benchmark did not finish"
echo "PASSED"
