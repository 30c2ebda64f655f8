# shellcheck shell=bash disable=SC2034  # $picked is read by the scripts that source this file
# common.sh: what the example scripts share (sourced, not run).
#
# Processes started with `start_background` are stopped by PID when the
# script exits, and their scratch directory is removed.  Ports are picked at
# random in 20000-32767, below the usual ephemeral range so no outgoing
# connection holds them, and probed with a connect; every wait is bounded.

zkv=${ZKV_SERVER:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/build/zkv-server}
workdir=$(mktemp -d /tmp/zkv-example.XXXXXX)
pids=()
taken=" "
picked= # set by pick_port, read by the scripts that source this file

cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$workdir"
}
trap cleanup EXIT

fail() { echo "FAILED: $*" >&2; exit 1; }

require_tools() {
  local tool
  for tool in "$@"; do
    command -v "$tool" >/dev/null || fail "'$tool' is not installed (scripts/dev.sh deps installs it)"
  done
  [ -x "$zkv" ] || fail "no zkv-server at $zkv (build first, or set ZKV_SERVER)"
}

# pick_port: sets $picked to a port nothing answers on that this script has
# not handed out yet.  It runs in the caller's shell, not in a $(subshell),
# so the list of ports handed out survives between calls.
pick_port() {
  local candidate
  while :; do
    candidate=$((20000 + RANDOM % 12768))
    case "$taken" in *" $candidate "*) continue ;; esac
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$candidate") 2>/dev/null; then
      taken="$taken$candidate "
      picked=$candidate
      return
    fi
  done
}

wait_for_port() {
  local deadline=$((SECONDS + 10))
  until (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; do
    [ "$SECONDS" -lt "$deadline" ] || fail "nothing listens on port $1 after 10s"
    sleep 0.1
  done
}

# start_background <log name> <command...>: runs it, remembers its PID.
start_background() {
  local log=$1
  shift
  "$@" >"$workdir/$log.log" 2>&1 &
  pids+=($!)
}
