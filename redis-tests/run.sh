#!/usr/bin/env bash
# Run upstream Redis 7.0.15 Tcl test units against zkv (or, to validate this
# runner, against redis-server) and compare with the checked-in expectations.
#
# Design:
#   - Each unit runs in its own scratch copy of the cached tests/ tree, with
#     src/redis-server pointing at launcher.sh; the harness deletes files under
#     tests/tmp when it starts, so units sharing one tree could not run side by
#     side.  Units run --jobs at a time (2 by default).
#   - "external" units get a fresh server on a free port, started here and
#     killed by PID afterwards; "spawn" units let the harness start servers
#     through the launcher (see units.txt).
#   - Harness options: --durable (an unsupported command fails one test, not
#     the unit), --ignore-encoding (zkv's encodings are its own), --clients 1,
#     and tags that deny what zkv deliberately lacks: replication (repl,
#     needs:repl), persistence (needs:save), DEBUG beyond LOG/SLEEP
#     (needs:debug) and scripting.
#   - A unit gets a wall-clock limit; the harness, its test client and the
#     servers it spawned share a process group that `timeout` kills, and the
#     launcher records server PIDs so none is left behind.  A unit that times
#     out, loses its server or ends without "All tests passed"/"tests failed"
#     is aborted: the tests it did not report (units.txt knows how many
#     redis-server reports) count as failures.  aborts.txt lists units known
#     to abort today, with the reason; their abort alone does not fail the run.
#   - Tests known to hang zkv (hangs.txt) are skipped, with the reason on
#     file, so one missing reply does not cost the rest of its unit.
#   - The result of a unit is the set of test names that printed [ok] and
#     never [err].  Expectations (expected-passes.txt: "<unit><TAB><name>")
#     must all be in that set; tests passing beyond them are listed so the file
#     can be raised with --update-expectations.
#
# Usage: redis-tests/run.sh [options] [unit ...]
#   --server PATH           zkv-server to test (default $ZKV_SERVER, else build/zkv-server)
#   --redis PATH            test this redis-server instead (no launcher translation,
#                           no expectations; prints the counts units.txt records)
#   --jobs N                units run at the same time (default 2)
#   --unit-timeout SEC      wall-clock limit per unit (default 200)
#   --budget SEC            wall-clock limit of a whole round of units (default 600);
#                           units it leaves no time for are aborted
#   --rounds N              run everything N times; a test passes only if it passes
#                           every time (default 1, 2 with --update-expectations)
#   --expectations FILE     default redis-tests/expected-passes.txt
#   --no-expectations       only report
#   --update-expectations   rewrite the expectations of the units run with the tests
#                           that passed in every round
#   --keep                  keep the scratch directory (logs of every unit)
#   --no-hang-skips         also run the tests hangs.txt skips because they hang zkv
#   --list-failures         print every failed test with its reason (reasons.awk)
#   --verbose               print each unit's harness output
# Exit status: 0 when no unit aborted and every expectation holds, else 1.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo_root=$(cd "$here/.." && pwd)

server=${ZKV_SERVER:-$repo_root/build/zkv-server}
real_redis=0
jobs=2
unit_timeout=200
budget=600
rounds=1
expectations=$here/expected-passes.txt
use_expectations=1
update=0
keep=0
verbose=0
list_failures=0
hang_skips=1
selected=()

while [ $# -gt 0 ]; do
  case "$1" in
    --server) server=$2; shift 2 ;;
    --redis) server=$2; real_redis=1; use_expectations=0; shift 2 ;;
    --jobs) jobs=$2; shift 2 ;;
    --unit-timeout) unit_timeout=$2; shift 2 ;;
    --budget) budget=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --expectations) expectations=$2; shift 2 ;;
    --no-expectations) use_expectations=0; shift ;;
    --update-expectations) update=1; [ "$rounds" -lt 2 ] && rounds=2; shift ;;
    --keep) keep=1; shift ;;
    --verbose) verbose=1; shift ;;
    --list-failures) list_failures=1; shift ;;
    --no-hang-skips) hang_skips=0; shift ;;
    -h|--help) sed -n '/^# Usage:/,/^# Exit status/p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "run.sh: unknown option $1" >&2; exit 2 ;;
    *) selected+=("$1"); shift ;;
  esac
done

if [ ! -x "$server" ]; then
  echo "run.sh: no server binary at $server (build zkv first, or pass --server/--redis)" >&2
  exit 1
fi
server=$(cd "$(dirname "$server")" && pwd)/$(basename "$server")
for tool in tclsh timeout flock; do
  if ! command -v "$tool" >/dev/null; then
    echo "run.sh: $tool is missing (scripts/dev.sh deps installs tcl)" >&2
    exit 1
  fi
done

tree=$("$here/fetch.sh")

# The unit table: name, mode and result-line count against redis-server.
declare -A unit_mode unit_results unit_seconds unit_options
all_units=()
while read -r name mode results seconds options; do
  case "$name" in ''|'#'*) continue ;; esac
  all_units+=("$name")
  unit_mode[$name]=$mode
  unit_results[$name]=$results
  unit_seconds[$name]=$seconds
  unit_options[$name]=${options:-}
done <"$here/units.txt"
if [ ${#selected[@]} -eq 0 ]; then
  selected=("${all_units[@]}")
fi
for name in "${selected[@]}"; do
  if [ -z "${unit_mode[$name]:-}" ]; then
    echo "run.sh: $name is not in units.txt" >&2
    exit 2
  fi
done

scratch=$(mktemp -d "${TMPDIR:-/tmp}/zkv-redis-tests.XXXXXX")
cleanup() {
  if [ "$keep" = 1 ]; then
    echo "logs kept in $scratch"
  else
    rm -rf "$scratch"
  fi
}
trap cleanup EXIT

harness_tags="-needs:repl -repl -needs:save -needs:debug"

# A TCP port on 127.0.0.1 that nothing listens on right now.
free_port() {
  tclsh <<'EOF'
set s [socket -server {} -myaddr 127.0.0.1 0]
puts [lindex [fconfigure $s -sockname] 2]
close $s
EOF
}

# Send PING until the server answers (+PONG or an error both mean it is up).
wait_for_server() {
  local port=$1 pid=$2 tries=100
  while [ $tries -gt 0 ]; do
    kill -0 "$pid" 2>/dev/null || return 1
    if reply=$(timeout 2 tclsh <<EOF 2>/dev/null
set fd [socket 127.0.0.1 $port]
fconfigure \$fd -translation binary
puts -nonewline \$fd "PING\r\n"
flush \$fd
puts [gets \$fd]
EOF
    ); then
      case "$reply" in '+'*|'-'*) return 0 ;; esac
    fi
    sleep 0.1
    tries=$((tries - 1))
  done
  return 1
}

# Stop one process by PID: SIGTERM, then SIGKILL after 5 seconds.
stop_pid() {
  local pid=$1 waited=0
  kill -0 "$pid" 2>/dev/null || return 0
  kill "$pid" 2>/dev/null || true
  while kill -0 "$pid" 2>/dev/null && [ $waited -lt 50 ]; do
    sleep 0.1
    waited=$((waited + 1))
  done
  kill -9 "$pid" 2>/dev/null || true
}

# Start the external server of a unit; prints "<pid> <port>".
start_external_server() {
  local dir=$1 attempt port pid
  for attempt in 1 2 3; do
    port=$(free_port)
    cat >"$dir/external.conf" <<EOF
port $port
bind 127.0.0.1
dir $dir
logfile ""
save ""
appendonly no
enable-protected-configs yes
enable-debug-command yes
enable-module-command yes
EOF
    (cd "$dir" && exec src/redis-server "$dir/external.conf" >>"$dir/server.log" 2>&1) &
    pid=$!
    if wait_for_server "$port" "$pid"; then
      echo "$pid $port"
      return 0
    fi
    stop_pid "$pid"
  done
  return 1
}

# Run one unit; leaves in $dir: harness.log and result (tab-separated lines:
# "status ok|aborted <reason>", "ok <name>", "err <name>", "err-block <text>",
# "skip <name>").
run_unit() {
  local name=$1 index=$2 dir=$3 limit=$4
  mkdir -p "$dir/src" "$dir/pids"
  cp -r "$tree/tests" "$dir/tests"
  rm -rf "$dir/tests/tmp"/*
  ln -s "$here/launcher.sh" "$dir/src/redis-server"
  # unit/networking drives the server through src/redis-cli as well.
  if command -v redis-cli >/dev/null; then
    ln -s "$(command -v redis-cli)" "$dir/src/redis-cli"
  fi
  export ZKV_RT_SERVER=$server ZKV_RT_PIDDIR=$dir/pids ZKV_RT_PASSTHROUGH=$real_redis

  local tags=$harness_tags
  # A unit marked "debug" in units.txt also runs its needs:debug tests (the
  # DEBUG subcommands they use, e.g. RELOAD, exist in zkv).
  if [ "${unit_options[$name]:-}" = debug ]; then
    tags=${tags/ -needs:debug/}
  fi
  local harness_args=(--single "$name" --clients 1 --durable --ignore-encoding
                      --tags "$tags" --timeout "$limit" --portcount 250)
  if [ "$real_redis" = 0 ] && [ "$hang_skips" = 1 ]; then
    local hang
    while IFS= read -r hang; do
      harness_args+=(--skiptest "$hang")
    done < <(awk -F'\t' -v u="$name" '$1 == u { print $2 }' "$here/hangs.txt")
  fi
  local server_pid="" abort_reason=""
  if [ "${unit_mode[$name]}" = external ]; then
    local started
    if ! started=$(start_external_server "$dir"); then
      printf 'status\taborted\tserver did not start\n' >"$dir/result"
      return
    fi
    server_pid=${started% *}
    harness_args+=(--host 127.0.0.1 --port "${started#* }")
  fi

  # Each unit gets its own range of ports for the harness (which also probes
  # port+10000).  Another process can still take the harness's own listening
  # port between its probe and its bind; then the unit ran nothing and is
  # retried once in a range no unit uses.
  local status attempt baseport started_at=$SECONDS
  for attempt in 0 1; do
    baseport=$((21000 + (index + attempt * 30) * 300))
    status=0
    (cd "$dir" && TERM=dumb timeout -k 5 "$limit" tclsh tests/test_helper.tcl "${harness_args[@]}" \
                    --baseport "$baseport") >"$dir/harness.log" 2>&1 </dev/null || status=$?
    if ! grep -q 'address already in use\|non busy port' "$dir/harness.log" ||
       grep -q '^\[\(ok\|err\|skip\|ignore\)\]' "$dir/harness.log"; then
      break
    fi
  done
  echo $((SECONDS - started_at)) >"$dir/seconds"
  if [ $status -eq 124 ] || [ $status -eq 137 ]; then
    abort_reason="timed out after ${limit}s"
  fi
  if [ -n "$server_pid" ] && ! kill -0 "$server_pid" 2>/dev/null; then
    abort_reason=${abort_reason:-server exited during the unit}
  fi
  if [ -n "$server_pid" ]; then
    stop_pid "$server_pid"
  fi
  local pidfile
  for pidfile in "$dir/pids"/*; do
    [ -e "$pidfile" ] && stop_pid "$(basename "$pidfile")"
  done
  if [ -z "$abort_reason" ]; then
    if grep -q '^\[exception\]' "$dir/harness.log"; then
      abort_reason="harness exception"
    elif grep -q '^\[TIMEOUT\]' "$dir/harness.log"; then
      abort_reason="harness timeout (no progress)"
    elif ! grep -q 'All tests passed without errors\|The following tests failed' "$dir/harness.log"; then
      abort_reason="harness ended early (exit $status)"
    fi
  fi

  {
    if [ -n "$abort_reason" ]; then
      printf 'status\taborted\t%s\n' "$abort_reason"
    else
      printf 'status\tok\n'
    fi
    awk '
      /^\[ok\]: /     { s = substr($0, 7); sub(/ \([0-9]+ ms\)$/, "", s); print "ok\t" s; next }
      /^\[err\]: /    { s = substr($0, 8)
                        if (s ~ / in tests\/.*\.tcl$/) { sub(/ in tests\/.*\.tcl$/, "", s); print "err\t" s }
                        else print "err-block\t" s
                        next }
      /^\[skip\]: /   { print "skip\t" substr($0, 9); next }
      /^\[ignore\]: / { print "skip\t" substr($0, 11); next }
    ' "$dir/harness.log"
  } >"$dir/result"
}

# Check what the harness needs from any server before spending minutes on units.
preflight() {
  local dir=$scratch/preflight started pid
  mkdir -p "$dir/src" "$dir/pids"
  ln -s "$here/launcher.sh" "$dir/src/redis-server"
  if ! started=$(ZKV_RT_SERVER=$server ZKV_RT_PIDDIR=$dir/pids ZKV_RT_PASSTHROUGH=$real_redis \
                 start_external_server "$dir"); then
    echo "preflight: the server did not start and answer PING; its log:"
    sed 's/^/  /' "$dir/server.log"
    return
  fi
  pid=${started% *}
  timeout 30 tclsh "$here/preflight.tcl" "${started#* }" || echo "  preflight did not finish"
  if ! grep -q 'Ready to accept' "$dir/server.log"; then
    echo "  MISSING  log line \"Ready to accept connections\" on stdout once listening (spawn units wait for it)"
  fi
  stop_pid "$pid"
}
preflight

# Run the selected units, --jobs at a time, within the time budget; units
# the budget leaves no time for are aborted, not silently dropped.
run_round() {
  local round_dir=$1 index=0 name dir left limit
  local deadline=$(( $(date +%s) + budget ))
  local longest_first
  longest_first=$(for name in "${selected[@]}"; do echo "${unit_seconds[$name]} $name"; done |
                  sort -s -k1,1nr | cut -d' ' -f2)
  for name in $longest_first; do
    dir=$round_dir/$(echo "$name" | tr / _)
    while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do
      wait -n || true
    done
    left=$(( deadline - $(date +%s) ))
    if [ $left -lt 15 ]; then
      mkdir -p "$dir"
      printf 'status\taborted\tnot run, the %ss budget was spent\n' "$budget" >"$dir/result"
      continue
    fi
    limit=$(( left < unit_timeout ? left : unit_timeout ))
    run_unit "$name" "$index" "$dir" "$limit" &
    index=$((index + 1))
  done
  wait
}

# Print a round's table; its passing tests ("<unit><TAB><name>": printed
# [ok] and never [err]) go to <round_dir>/passing.
total_passed=0 total_failed=0 total_skipped=0 aborted_units=0 ever_aborted=0
report_round() {
  local round_dir=$1 name dir result passed failed skipped note status_line missing hung known_abort
  total_passed=0 total_failed=0 total_skipped=0 aborted_units=0
  : >"$round_dir/passing"
  printf '%-22s %7s %7s %8s %5s  %s\n' unit passed failed skipped secs note
  for name in "${selected[@]}"; do
    dir=$round_dir/$(echo "$name" | tr / _)
    result=$dir/result
    [ -f "$result" ] || printf 'status\taborted\trunner error\n' >"$result"
    passed=$(grep -c '^ok	' "$result" || true)
    failed=$(grep -c '^err	\|^err-block	' "$result" || true)
    skipped=$(grep -c '^skip	' "$result" || true)
    note=""
    status_line=$(grep '^status	' "$result")
    known_abort=0
    if [ "$real_redis" = 0 ] && awk -F'\t' -v u="$name" '$1 == u { found = 1 } END { exit !found }' "$here/aborts.txt"; then
      known_abort=1
    fi
    if [ "$(echo "$status_line" | cut -f2)" = aborted ]; then
      missing=$(( ${unit_results[$name]} - passed - failed - skipped ))
      [ $missing -lt 0 ] && missing=0
      failed=$((failed + missing))
      note="ABORTED: $(echo "$status_line" | cut -f3), $missing tests unreported"
      if [ "$known_abort" = 1 ]; then
        note="$note (known, aborts.txt)"
      else
        aborted_units=$((aborted_units + 1))
        ever_aborted=$((ever_aborted + 1))
      fi
    elif [ "$known_abort" = 1 ]; then
      note="no longer aborts: remove it from aborts.txt"
    fi
    if [ "$real_redis" = 1 ]; then
      note="${note:+$note; }results=$((passed + failed + skipped))"
    elif [ "$hang_skips" = 1 ]; then
      hung=$(awk -F'\t' -v u="$name" '$1 == u' "$here/hangs.txt" | wc -l)
      [ "$hung" -gt 0 ] && note="${note:+$note; }$hung skipped as hanging zkv (hangs.txt)"
    fi
    printf '%-22s %7d %7d %8d %5s  %s\n' "$name" "$passed" "$failed" "$skipped" \
      "$(cat "$dir/seconds" 2>/dev/null || echo -)" "$note"
    total_passed=$((total_passed + passed))
    total_failed=$((total_failed + failed))
    total_skipped=$((total_skipped + skipped))

    LC_ALL=C comm -23 <(grep '^ok	' "$result" | cut -f2- | LC_ALL=C sort -u) \
                      <(grep '^err	' "$result" | cut -f2- | LC_ALL=C sort -u) |
      sed "s|^|$name	|" >>"$round_dir/passing"
    if [ "$verbose" = 1 ]; then
      echo "----- $name: harness output"
      cat "$dir/harness.log"
    fi
  done
  LC_ALL=C sort -u -o "$round_dir/passing" "$round_dir/passing"
}

# Tests count as passing only if they passed in every round.
passing_all=$scratch/passing
for round in $(seq 1 "$rounds"); do
  [ "$rounds" -gt 1 ] && echo "round $round of $rounds"
  mkdir -p "$scratch/round$round"
  run_round "$scratch/round$round"
  report_round "$scratch/round$round"
  if [ "$round" = 1 ]; then
    cp "$scratch/round1/passing" "$passing_all"
  else
    LC_ALL=C comm -12 "$passing_all" "$scratch/round$round/passing" >"$passing_all.next"
    mv "$passing_all.next" "$passing_all"
  fi
done

# Failures of the last round by reason (reasons.awk), for the summary and README.
last_round=$scratch/round$rounds
failures=$scratch/failures
: >"$failures"
for name in "${selected[@]}"; do
  dir=$last_round/$(echo "$name" | tr / _)
  [ -f "$dir/harness.log" ] && awk -v unit="$name" -f "$here/reasons.awk" "$dir/harness.log" >>"$failures"
  status_line=$(grep '^status	' "$dir/result")
  if [ "$(echo "$status_line" | cut -f2)" = aborted ]; then
    printf 'unit aborted (%s)\t%s\t(the rest of the unit)\n' "$(echo "$status_line" | cut -f3)" "$name" >>"$failures"
  fi
done
if [ -s "$failures" ]; then
  echo "failed tests by reason:"
  cut -f1 "$failures" | sort | uniq -c | sort -rn | sed 's/^ */  /'
  if [ "$list_failures" = 1 ]; then
    sort "$failures" | sed 's/^/  /'
  fi
fi

regressions=$scratch/regressions newly=$scratch/newly
: >"$regressions"; : >"$newly"
exit_status=0
if [ "$use_expectations" = 1 ] || [ "$update" = 1 ]; then
  [ -f "$expectations" ] || : >"$expectations"
  expected_now=$scratch/expected
  for name in "${selected[@]}"; do
    awk -F'\t' -v u="$name" '$1 == u' "$expectations"
  done | LC_ALL=C sort -u >"$expected_now"
  LC_ALL=C comm -23 "$expected_now" "$passing_all" >"$regressions"
  LC_ALL=C comm -13 "$expected_now" "$passing_all" >"$newly"
fi

if [ "$update" = 1 ] && [ $ever_aborted -gt 0 ]; then
  # An unexpected abort (a harness port taken by another run, a crash)
  # reports nothing for the unit: rewriting would drop its expectations.
  echo "expectations: NOT written, a unit aborted in some round; rerun once it runs to its end"
elif [ "$update" = 1 ]; then
  {
    grep '^#' "$expectations" || true
    grep -v '^#' "$expectations" | grep -v '^$' | awk -F'\t' -v units=" ${selected[*]} " \
      'index(units, " " $1 " ") == 0' || true
    cat "$passing_all"
  } >"$scratch/expectations.new"
  header=$(grep '^#' "$scratch/expectations.new" || true)
  { [ -n "$header" ] && echo "$header"; grep -v '^#' "$scratch/expectations.new" | LC_ALL=C sort -u; } \
    >"$expectations"
  echo "expectations: wrote $(grep -vc '^#' "$expectations") passing tests to $expectations"
  if [ -s "$regressions" ]; then
    echo "expectations LOWERED: $(wc -l <"$regressions") tests no longer expected to pass (say why in the commit):"
    sed 's/^/  - /' "$regressions"
  fi
elif [ "$use_expectations" = 1 ]; then
  if [ -s "$newly" ]; then
    echo "newly passing ($(wc -l <"$newly")), raise with --update-expectations:"
    sed 's/^/  + /' "$newly"
  fi
  if [ -s "$regressions" ]; then
    echo "EXPECTED TO PASS BUT DID NOT ($(wc -l <"$regressions")):"
    sed 's/^/  - /' "$regressions"
    exit_status=1
  fi
fi
if [ $aborted_units -gt 0 ]; then
  echo "$aborted_units unit(s) aborted"
  exit_status=1
fi

echo "$total_passed passed, $total_failed failed, $total_skipped skipped"
exit $exit_status
