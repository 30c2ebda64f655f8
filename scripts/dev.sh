#!/usr/bin/env bash
# The one script behind the README's two commands.
#
#   scripts/dev.sh start   install what is missing, build, run zkv-server on 127.0.0.1:6379
#   scripts/dev.sh test    install what is missing, build, run every test (ctest)
#   scripts/dev.sh deps    only install what is missing
#   scripts/dev.sh build   only configure and build into build/
#
# It is idempotent: apt-get runs only when a package is missing, and the build
# directory is reused.  Extra CMake options can be passed in ZKV_CMAKE_OPTIONS.
set -euo pipefail

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build_dir=${ZKV_BUILD_DIR:-$repo_root/build}

# Build and test dependencies; redis-server, gnuplot and nutcracker are the
# references and tools of bench/ and the scale-out tests (python3-redis: the
# cluster client they drive); dpkg-dev unpacks the Redis source package whose
# Tcl tests redis-tests/ runs.
packages=(cmake pkg-config gcc clang make libjemalloc-dev libgoogle-perftools-dev libevent-dev
          libhiredis-dev libcmocka-dev libxxhash-dev tcl redis-tools redis-server gnuplot-nox nutcracker
          valgrind dpkg-dev libclang-rt-14-dev ca-certificates python3-redis
          liblua5.1-0-dev lua-cjson-dev lua-bitop-dev libssl-dev liblzf-dev)

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

missing_packages() {
  local package
  for package in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
      echo "$package"
    fi
  done
}

install_dependencies() {
  local missing
  missing=$(missing_packages)
  [ -z "$missing" ] && return 0
  echo "installing: $(echo $missing | tr '\n' ' ')"
  local had_redis_server=0
  dpkg-query -W -f='${Status}' redis-server 2>/dev/null | grep -q "install ok installed" && had_redis_server=1
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing
  # redis-server is only a benchmark reference: do not leave Debian's service
  # holding port 6379, where zkv is meant to run.
  if [ "$had_redis_server" -eq 0 ] && command -v systemctl >/dev/null 2>&1; then
    as_root systemctl disable --now redis-server >/dev/null 2>&1 || true
  fi
}

build() {
  cmake -S "$repo_root" -B "$build_dir" -DCMAKE_BUILD_TYPE=Release ${ZKV_CMAKE_OPTIONS:-} >/dev/null
  cmake --build "$build_dir" -j "$(nproc)"
}

case "${1:-}" in
  deps)  install_dependencies ;;
  build) install_dependencies; build ;;
  start)
    install_dependencies
    build
    exec "$build_dir/zkv-server" --port 6379 --bind 127.0.0.1
    ;;
  test)
    install_dependencies
    build
    cd "$build_dir"
    ctest --output-on-failure -j "$(nproc)" --timeout 600
    ;;
  *)
    echo "usage: $0 start|test|deps|build" >&2
    exit 2
    ;;
esac
