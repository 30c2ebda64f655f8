#!/usr/bin/env bash
# Runs zkv-server under valgrind's memcheck while redis-benchmark and a few
# raw commands exercise the main paths (strings, keyspace, expiry, MULTI,
# protocol errors, a client that vanishes mid-pipeline), then shuts it down
# and fails on any memory error or definite leak.  Valgrind is slow, so the
# load is small: this proves cleanliness of the paths, not their speed.
#
#   smoke.sh <path-to-zkv-server>
set -euo pipefail
server=$1
if ! command -v valgrind >/dev/null; then
  echo "valgrind is not installed: skipping"; exit 0
fi
work=$(mktemp -d)
server_pid=
cleanup() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then kill -9 "$server_pid"; fi
  rm -rf "$work"
}
trap cleanup EXIT

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
valgrind --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite \
    --log-file="$work/valgrind.log" "$server" --port "$port" --bind 127.0.0.1 > "$work/server.log" 2>&1 &
server_pid=$!

for _ in $(seq 1 200); do   # valgrind start-up takes a few seconds; wait at most 20 s
  redis-cli -p "$port" ping 2>/dev/null | grep -q PONG && break
  sleep 0.1
done
redis-cli -p "$port" ping | grep -q PONG

cli() { timeout 20 redis-cli -p "$port" "$@"; }
timeout 120 redis-benchmark -p "$port" -n 2000 -c 4 -P 8 -r 500 -q -t set,get,incr,mset,ping > /dev/null
cli set counter 10 > /dev/null
cli incrbyfloat counter 1.5 > /dev/null
cli set temp value px 50 > /dev/null
cli expire key:000000000001 1 > /dev/null
cli append big "$(head -c 40000 /dev/zero | tr '\0' x)" > /dev/null
cli setrange big 100000 y > /dev/null
cli keys '*' > /dev/null
cli scan 0 count 100 > /dev/null
cli unlink big > /dev/null
printf 'MULTI\r\nSET a 1\r\nINCR a\r\nEXEC\r\n' | timeout 10 redis-cli -p "$port" > /dev/null
printf '*1\r\n$4\r\nPING\r\n*x\r\n' | timeout 5 python3 -c "
import socket,sys; s=socket.create_connection(('127.0.0.1',$port)); s.sendall(sys.stdin.buffer.read()); s.settimeout(5); s.recv(100); s.close()"
printf '*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$100000\r\nabc' | timeout 5 python3 -c "
import socket,sys; s=socket.create_connection(('127.0.0.1',$port)); s.sendall(sys.stdin.buffer.read()); s.close()"
cli flushall async > /dev/null
sleep 1
cli shutdown nosave > /dev/null 2>&1 || true

status=0
wait "$server_pid" || status=$?
server_pid=
if [ "$status" -ne 0 ]; then
  echo "zkv-server under valgrind exited with status $status"
  cat "$work/valgrind.log"
  exit 1
fi
grep -E "ERROR SUMMARY|definitely lost" "$work/valgrind.log"
echo "valgrind smoke: clean"
