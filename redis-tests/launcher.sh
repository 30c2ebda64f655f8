#!/usr/bin/env bash
# Stand-in for `src/redis-server` inside a per-unit copy of the Redis test
# tree: the Tcl harness starts "src/redis-server <config> [args]" and this
# script turns that into a zkv start.
#
# Design: the harness identifies the server by the PID of the process it
# spawned, so this script ends with `exec` (same PID) rather than supervising a
# child.  Before that it
#   - records its PID in $ZKV_RT_PIDDIR, so the runner can kill by PID any
#     server a timed-out unit left behind;
#   - rewrites the config file, keeping only directives zkv knows (zkv, like
#     Redis, refuses to start on an unknown directive, and the harness's
#     default.conf is full of persistence and replication settings); each
#     dropped directive is reported on stderr, which the harness keeps in the
#     server's stderr file;
#   - prints the " PID: <pid>" line the harness waits for (Redis prints it in
#     its logo); "Ready to accept connections" must come from zkv itself, once
#     it listens, since only the server knows when that is.
# Command-line `--name value` arguments pass through untouched: the tests
# that use them check how the server rejects bad arguments.
#
# With ZKV_RT_PASSTHROUGH=1 the real server ($ZKV_RT_SERVER) gets the
# arguments as they are: that is how the runner is validated on redis-server.
set -euo pipefail

server=${ZKV_RT_SERVER:?ZKV_RT_SERVER must name the server binary}
if [ -n "${ZKV_RT_PIDDIR:-}" ]; then
  : >"$ZKV_RT_PIDDIR/$$"
fi
if [ "${ZKV_RT_PASSTHROUGH:-0}" = 1 ]; then
  exec "$server" "$@"
fi

# Directives zkv accepts in a config file (server/config_parameters.c).
# `pidfile` is left out on purpose: the harness names /var/run/redis.pid for
# every server.  zkv has no AOF, so it accepts `appendonly` only with the
# value that says so; other values are dropped like unknown directives and
# the tests that need them fail on their own.
zkv_directives="port bind protected-mode unixsocket unixsocketperm requirepass maxclients
  timeout tcp-keepalive tcp-backlog databases hz loglevel logfile daemonize dir dbfilename
  client-query-buffer-limit proto-max-bulk-len client-output-buffer-limit maxmemory
  maxmemory-policy maxmemory-samples slowlog-log-slower-than slowlog-max-len latency-tracking
  latency-tracking-info-percentiles latency-monitor-threshold lazyfree-lazy-user-del
  lazyfree-lazy-user-flush save rdbcompression rdbchecksum stop-writes-on-bgsave-error
  sanitize-dump-payload rdb-del-sync-files enable-protected-configs key-load-delay
  loading-process-events-interval-bytes rdb-key-save-delay
  aclfile acl-pubsub-default acllog-max-len user enable-debug-command ${ZKV_RT_EXTRA_DIRECTIVES:-}"
# One space between words, so a directive is found as " name ".
zkv_directives=" $(echo $zkv_directives) "

keep_line() {
  local directive=$1 value=$2
  case "$directive" in
    appendonly) [ "${value,,}" = no ] ;;
    *) [[ "$zkv_directives" == *" $directive "* ]] ;;
  esac
}

args=("$@")
if [ ${#args[@]} -gt 0 ] && [ -f "${args[0]}" ]; then
  original=${args[0]}
  translated=$original.zkv
  : >"$translated"
  while IFS= read -r line || [ -n "$line" ]; do
    case "$line" in
      ''|'#'*) continue ;;
    esac
    directive=${line%% *}
    value=${line#"$directive"}
    value=${value# }
    if keep_line "${directive,,}" "$value"; then
      printf '%s\n' "$line" >>"$translated"
    else
      echo "zkv launcher: dropped directive: $line" >&2
    fi
  done <"$original"
  args[0]=$translated
fi

printf '%d:C %s * zkv launcher: PID: %d, starting %s\n' "$$" "$(date '+%d %b %Y %H:%M:%S.000')" "$$" "$server"
exec "$server" "${args[@]}"
