#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz (clang, AddressSanitizer and
# UndefinedBehaviorSanitizer) in build-fuzz/ and runs each for SECONDS
# (default 15), seeded from tests/testdata. A crash stops the run and leaves
# its input in build-fuzz/artifacts/. Prints one line per target with its
# executions and coverage.
#
# Usage: scripts/fuzz.sh [SECONDS] [TARGET...]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
seconds=${1:-15}
shift || true
build=${GRPCMESH_FUZZ_BUILD_DIR:-$root/build-fuzz}
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(yaml_fuzz grpc_web_fuzz wire_fuzz protoset_fuzz)

if [ ! -f "$build/CMakeCache.txt" ]; then
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ \
    -DGRPCMESH_FUZZ=ON -DGRPCMESH_BUILD_TESTS=OFF >/dev/null
fi
cmake --build "$build" --target "${targets[@]}" >/dev/null

# Seeds: the files of tests/testdata each target reads.
seed_dirs() {
  case $1 in
    yaml_fuzz) echo "$root/tests/testdata/yaml-corpus $root/tests/testdata/check $root/tests/testdata/kube" ;;
    grpc_web_fuzz) echo "$root/tests/testdata/grpc" ;;
    wire_fuzz) echo "$root/tests/testdata/tls $root/tests/testdata/kube" ;;
    protoset_fuzz) echo "$root/tests/testdata/grpc" ;;
  esac
}

mkdir -p "$build/artifacts"
for t in "${targets[@]}"; do
  corpus=$build/corpus/$t
  mkdir -p "$corpus"
  seeds=()
  for d in $(seed_dirs "$t"); do
    [ -d "$d" ] && seeds+=("$d")
  done
  log=$build/$t.log
  if ! "$build/tests/fuzz/$t" -max_total_time="$seconds" -max_len=262144 -rss_limit_mb=2048 -timeout=10 \
      -print_final_stats=1 -artifact_prefix="$build/artifacts/$t-" "$corpus" "${seeds[@]}" >"$log" 2>&1; then
    echo "fuzz: $t FAILED; see $log and $build/artifacts/" >&2
    tail -30 "$log" >&2
    exit 1
  fi
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*' || echo "?")
  echo "fuzz: $t ${seconds}s: $runs executions, coverage $cov edges, no crash"
done
