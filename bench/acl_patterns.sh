#!/usr/bin/env bash
# acl_patterns: the cost of ACL key patterns on throughput.
#
# Runs redis-benchmark (SET and GET, -P 16) as the default user and as a
# user with 20 key patterns whose last one is the only one matching the
# benchmark's keys (the worst case: every pattern is tried), against zkv and
# redis-server started alike in the same run, alternating the two users
# `rounds` times.  Prints requests per second and the pattern user's ratio
# to default for each server.
#
#   bench/acl_patterns.sh [zkv-server] [requests] [rounds]
set -euo pipefail
zkv=${1:-build/zkv-server}
requests=${2:-1000000}
rounds=${3:-3}
patterns=()
for i in $(seq 1 19); do patterns+=("~nomatch$i:*"); done
patterns+=("~key:*")

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

measure() { # port user-args... -> rps of SET and GET summed
  redis-benchmark -p "$1" "${@:2}" -t set,get -P 16 -n "$requests" -r 100000 -q 2>/dev/null |
    awk -F'[: ]+' '/requests per second/ {for (i = 1; i <= NF; i++) if ($i ~ /^[0-9.]+$/) {sum += $i; break}} END {printf "%.0f", sum}'
}

run_server() { # name command...
  local name=$1 port; port=$(free_port); shift
  "$@" --port "$port" --save '' --appendonly no >/dev/null 2>&1 &
  local pid=$!
  sleep 0.5
  redis-cli -p "$port" ACL SETUSER bench on '>bench' "${patterns[@]}" +@all >/dev/null
  local default_total=0 user_total=0
  for _ in $(seq 1 "$rounds"); do
    default_total=$((default_total + $(measure "$port")))
    user_total=$((user_total + $(measure "$port" --user bench -a bench)))
  done
  kill "$pid"; wait "$pid" 2>/dev/null || true
  awk -v n="$name" -v d="$default_total" -v u="$user_total" -v r="$rounds" \
    'BEGIN {printf "%-13s default %9.0f rps   20-pattern user %9.0f rps   ratio %.3f\n", n, d / r, u / r, u / d}'
}

run_server zkv "$zkv"
run_server redis-server redis-server
