#!/usr/bin/env bash
# Runs every test, on a fresh machine too: installs the Debian packages,
# builds the test peers (cached outside the repository), builds the project
# with CMake and Ninja into build/ and runs ctest, unit and e2e tests (the e2e
# fixture starts a real control plane and stops it). Prints a timing line per
# phase, and fails if a test left one of the peers running.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
build=${GRPCMESH_BUILD_DIR:-build}
cache=${GRPCMESH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kubectl-grpcmesh}
[ -x /usr/local/go/bin/go ] && ! command -v go >/dev/null && export PATH="$PATH:/usr/local/go/bin"

started=$SECONDS
timings=()
# phase NAME CMD...: runs one phase and records how long it took.
phase() {
  local name=$1 start=$SECONDS rc=0
  shift
  echo "==> $name"
  "$@" || rc=$?
  timings+=("$name $((SECONDS - start))s")
  echo "timing: $name $((SECONDS - start))s"
  [ $rc = 0 ] || { echo "test.sh: phase '$name' failed (exit $rc)" >&2; exit $rc; }
}

configure_and_build() {
  local gen=()
  [ -f "$build/CMakeCache.txt" ] || gen=(-G Ninja)
  cmake -S . -B "$build" "${gen[@]}" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null &&
    cmake --build "$build"
}

# leftovers: processes of the peers (etcd, kube-apiserver, test servers, ...)
# or of the build that started after this script did.
leftovers() {
  local since=$((SECONDS - started + 1))
  ps -eo pid=,etimes=,args= | awk -v peers="$cache/peers/" -v bin="$root/$build/" -v since="$since" \
    '(index($3, peers) == 1 || index($3, bin) == 1) && $2 <= since { print }'
}

phase deps scripts/install-deps.sh
phase peers scripts/build-peers.sh --env-file "$build/peers.env"
phase build configure_and_build
phase tests ctest --test-dir "$build" --output-on-failure
left=$(leftovers)
if [ -n "$left" ]; then
  echo "test.sh: processes left running after the tests:" >&2
  echo "$left" >&2
  exit 1
fi
echo "timing: total $((SECONDS - started))s (${timings[*]})"
