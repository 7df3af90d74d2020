#!/usr/bin/env bash
# Runs every test, on a fresh machine too: installs the Debian packages,
# builds the test peers (cached outside the repository), builds the project
# with CMake and Ninja into build/ and runs ctest, unit and e2e tests (the e2e
# fixture starts a real control plane and stops it). Then the sanitizer build
# (clang, AddressSanitizer and UndefinedBehaviorSanitizer, in build-asan/ next
# to build/): the unit and command-line tests again under the sanitizers, and
# each fuzz target of tests/fuzz for 15 s (scripts/fuzz.sh). Prints a timing
# line per phase, and fails if a test left one of the peers running.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
build=${GRPCMESH_BUILD_DIR:-build}
case $build in
  /*) export GRPCMESH_SANITIZE_BUILD_DIR=$build-asan ;;
  *) export GRPCMESH_SANITIZE_BUILD_DIR=$root/$build-asan ;;
esac
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

# The unit and command-line tests of the sanitizer build. Any report is
# fatal: ASan stops at the first error (and LeakSanitizer fails a leaking
# process at exit), UBSan is built without recovery and prints the stack.
# Left out:
# - the start-up test that the plugin links libstdc++ in: this build links
#   it as a shared library (the root CMakeLists.txt says why);
# - the YAML corpus test against kubectl: under ASan, parsing kubectl's
#   output of the corpus (nlohmann::json, a character at a time) takes it
#   past its five minutes, and its comparison of the 10,000-deep documents
#   overflows the stack. The fuzz phase reads every corpus file with our
#   reader under the sanitizers (yaml_fuzz runs its seeds first), and the
#   tests phase above compares them with kubectl.
sanitize_tests() {
  ASAN_OPTIONS=halt_on_error=1:detect_leaks=1:detect_stack_use_after_return=0:check_initialization_order=1 \
    UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
    ctest --test-dir "$GRPCMESH_SANITIZE_BUILD_DIR" -L '^(unit|cli)$' \
    -E '^cli: ?(start-up: libstdc\+\+ and libfmt|yaml corpus: )' -j2 --output-on-failure
}

# leftovers: processes of the peers (etcd, kube-apiserver, test servers, ...)
# or of the build that started after this script did.
leftovers() {
  local since=$((SECONDS - started + 1))
  ps -eo pid=,etimes=,args= | awk -v peers="$cache/peers/" -v bin="$root/$build/" -v since="$since" \
    -v asan="$GRPCMESH_SANITIZE_BUILD_DIR/" \
    '(index($3, peers) == 1 || index($3, bin) == 1 || index($3, asan) == 1) && $2 <= since { print }'
}

phase deps scripts/install-deps.sh
phase peers scripts/build-peers.sh --env-file "$build/peers.env"
phase build configure_and_build
phase tests ctest --test-dir "$build" --output-on-failure
phase sanitize-build scripts/fuzz.sh --build
phase sanitize-tests sanitize_tests
# A fixed seed and a fresh corpus: a run tries what the last run of the same
# commit tried (as far as 15 s reach), so a red fuzz phase can be replayed.
phase fuzz env GRPCMESH_FUZZ_SEED=1 scripts/fuzz.sh 15
left=$(leftovers)
if [ -n "$left" ]; then
  echo "test.sh: processes left running after the tests:" >&2
  echo "$left" >&2
  exit 1
fi
echo "timing: total $((SECONDS - started))s (${timings[*]})"
