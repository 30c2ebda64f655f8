#!/usr/bin/env bash
# Fetch the Redis 7.0.15 test suite from Debian's `redis` source package and
# cache it under redis-tests/cache/redis-7.0.15 (git-ignored).
#
# Design: apt runs with a private configuration (its own sources.list holding
# only deb-src lines, its own state and cache directories), so the system's
# apt setup is neither read for sources nor modified.  The mirrors are the
# ones this machine already uses for bookworm and bookworm-security, because
# security updates of redis (still upstream 7.0.15) live in the latter.
# `apt-get source` unpacks with dpkg-source (package dpkg-dev), applying
# Debian's patches, which also touch tests.  Only tests/ and the version
# header are kept: that is all the runner needs, and it keeps the cache small.
#
# Idempotent: a finished cache is marked by a stamp file and reused; a
# half-done fetch is built in a scratch directory and renamed into place at
# the end, under a lock, so concurrent or interrupted runs are harmless.
#
# Usage: redis-tests/fetch.sh        prints the path of the cached tree
set -euo pipefail

want_version=7.0.15
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cache=${ZKV_REDIS_TESTS_CACHE:-$here/cache}
tree=$cache/redis-$want_version
stamp=$tree/.zkv-fetched

if [ -f "$stamp" ]; then
  echo "$tree"
  exit 0
fi

for tool in apt-get dpkg-source; do
  if ! command -v "$tool" >/dev/null; then
    echo "fetch.sh: $tool is missing (install dpkg-dev; scripts/dev.sh deps does)" >&2
    exit 1
  fi
done

mkdir -p "$cache"
exec 9>"$cache/.fetch.lock"
flock 9
if [ -f "$stamp" ]; then
  echo "$tree"
  exit 0
fi

# The first URI the system uses for a suite path (".../debian" or
# ".../debian-security"), from one-line or deb822 sources; else Debian's CDN.
system_mirror() {
  local suffix=$1 uri
  uri=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null |
        grep -Eo "https?://[^ ]*/${suffix}/?( |$)" | head -n1 | tr -d ' ' || true)
  echo "${uri:-http://deb.debian.org/$suffix}"
}
main_mirror=${ZKV_DEBIAN_MIRROR:-$(system_mirror debian)}
security_mirror=${ZKV_DEBIAN_SECURITY_MIRROR:-$(system_mirror debian-security)}

scratch=$(mktemp -d "$cache/.fetch.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
mkdir -p "$scratch/apt/state/lists/partial" "$scratch/apt/cache/archives/partial" "$scratch/src"
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
cat >"$scratch/apt/sources.list" <<EOF
deb-src [signed-by=$keyring] $main_mirror bookworm main
deb-src [signed-by=$keyring] $main_mirror bookworm-updates main
deb-src [signed-by=$keyring] $security_mirror bookworm-security main
EOF

apt_options=(
  -o "Dir::State=$scratch/apt/state"
  -o "Dir::State::status=/var/lib/dpkg/status"
  -o "Dir::Cache=$scratch/apt/cache"
  -o "Dir::Etc::SourceList=$scratch/apt/sources.list"
  -o "Dir::Etc::SourceParts=/dev/null"
  -o "APT::Sandbox::User=root"
)
echo "fetch.sh: downloading Debian's redis source package ($main_mirror, $security_mirror)" >&2
apt-get "${apt_options[@]}" -qq update >&2
(cd "$scratch/src" && apt-get "${apt_options[@]}" -qq source redis >/dev/null)

unpacked=$(find "$scratch/src" -mindepth 1 -maxdepth 1 -type d -name 'redis-*' | head -n1)
if [ -z "$unpacked" ] || [ ! -f "$unpacked/src/version.h" ]; then
  echo "fetch.sh: apt-get source redis did not unpack a source tree" >&2
  exit 1
fi
got_version=$(sed -n 's/^#define REDIS_VERSION "\(.*\)"$/\1/p' "$unpacked/src/version.h")
if [ "$got_version" != "$want_version" ]; then
  echo "fetch.sh: expected Redis $want_version, the source package holds $got_version" >&2
  exit 1
fi

mkdir -p "$scratch/tree/src"
mv "$unpacked/tests" "$scratch/tree/tests"
cp "$unpacked/src/version.h" "$scratch/tree/src/version.h"
cp "$unpacked/COPYING" "$scratch/tree/COPYING" 2>/dev/null || true
basename "$(ls "$scratch/src"/*.dsc)" >"$scratch/tree/.zkv-fetched"
rm -rf "$tree"
mv "$scratch/tree" "$tree"
echo "$tree"
