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

# Prints a port nothing answers on and that this script has not handed out.
free_port() {
  local port
  while :; do
    port=$((20000 + RANDOM % 12768))
    case "$taken" in *" $port "*) continue ;; esac
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      taken="$taken$port "
      echo "$port"
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
