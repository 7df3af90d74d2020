#!/usr/bin/env bash
# Runs the libFuzzer targets of tests/fuzz (clang, AddressSanitizer and
# UndefinedBehaviorSanitizer) for SECONDS each (default 15), one after the
# other, seeded from tests/testdata. They live in the sanitizer build,
# build-asan/, which also holds the unit and command-line tests built with
# the sanitizers; this configures and builds it when needed. Each
# target keeps its corpus in build-asan/corpus/TARGET; a crash stops the run
# and leaves its input in build-asan/artifacts/. Prints one line per target
# with its time, executions, the coverage reached (libFuzzer's cov: edges,
# and ft: features) and its peak memory.
#
# Usage: scripts/fuzz.sh [SECONDS] [TARGET...]
#        scripts/fuzz.sh --build   configure and build the whole sanitizer
#                                  build (target `sanitize`: the fuzz targets,
#                                  the unit and command-line tests), no run
#   GRPCMESH_SANITIZE_BUILD_DIR  the sanitizer build (default build-asan)
#   GRPCMESH_FUZZ_FLAGS          more libFuzzer flags, after this script's
#                                (a later flag wins): e.g. -runs=N, or
#                                -max_len=4096 for long runs, or -fork=N to
#                                run N workers (the summary then adds them up)
#   ASAN_OPTIONS                 read by the targets: for long runs
#                                malloc_context_size=0, so AddressSanitizer
#                                records no allocation stacks (its store of
#                                them only grows; codec_fuzz slowed and swelled
#                                with it); replay a crash without it to see
#                                where the memory came from
#   TMPDIR                       where targets write scratch files
#                                (kubeconfig_fuzz writes each input to one);
#                                default /dev/shm when it is writable: on a
#                                disk file system mounted with discard, each
#                                truncation waits for the device
#   GRPCMESH_FUZZ_SEED           a fixed libFuzzer seed: each target then starts
#                                from its seeds alone (a fresh corpus, not
#                                build-asan/corpus), so the same build tries
#                                the same inputs in the same order, and a
#                                failure can be replayed (scripts/test.sh sets 1)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${GRPCMESH_SANITIZE_BUILD_DIR:-$root/build-asan}
build_only=false
if [ "${1:-}" = --build ]; then
  build_only=true
  shift
fi
seconds=${1:-15}
shift || true
all=(yaml_fuzz tree_fuzz check_fuzz config_dump_fuzz istiod_http_fuzz kubeconfig_fuzz exec_credential_fuzz certificate_fuzz wire_fuzz duration_fuzz
  protoset_fuzz kube_h2_fuzz grpc_h2_fuzz grpc_web_fuzz codec_fuzz)
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=("${all[@]}")

# The sanitizer build: clang, -O1 and line tables only (what a stack trace
# needs), every file with ASan and UBSan, the libraries also with coverage
# (-DGRPCMESH_FUZZ=ON; the root CMakeLists.txt says what else it trims).
if [ ! -f "$build/CMakeCache.txt" ]; then
  CXX=clang++ cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -gline-tables-only" -DGRPCMESH_FUZZ=ON >/dev/null
fi
if $build_only; then
  exec cmake --build "$build" --target sanitize
fi
cmake --build "$build" --target "${targets[@]}" >/dev/null

td=$root/tests/testdata
seeds=$build/seeds
# Seeds built from tests/testdata: the HTTP/2 servers' bytes, and each
# certificate followed by its key.
python3 "$root/tests/fuzz/h2_seeds.py" kube "$seeds/kube_h2"
python3 "$root/tests/fuzz/h2_seeds.py" grpc "$seeds/grpc_h2"
mkdir -p "$seeds/certificate"
for crt in "$td"/tls/*.crt; do
  cat "$crt" "${crt%.crt}.key" >"$seeds/certificate/$(basename "${crt%.crt}").pem"
done

seed_dirs() {
  case $1 in
    yaml_fuzz) echo "$td/yaml-corpus $td/check $td/kube" ;;
    tree_fuzz) echo "$td/yaml-corpus $td/kube" ;;
    check_fuzz) echo "$td/check $td/mesh $td/yaml-corpus" ;;
    config_dump_fuzz) echo "$td/deep $td/fuzz/config-dump" ;;
    istiod_http_fuzz) echo "$td/fuzz/istiod-http" ;;
    kubeconfig_fuzz) echo "$td/fuzz/kubeconfig" ;;
    exec_credential_fuzz) echo "$td/fuzz/exec-credential" ;;
    certificate_fuzz) echo "$td/tls $seeds/certificate $td/fuzz/certificate" ;;
    wire_fuzz) echo "$td/tls $td/kube" ;;
    duration_fuzz) echo "$td/fuzz/duration" ;;
    protoset_fuzz | grpc_web_fuzz | codec_fuzz) echo "$td/grpc" ;;
    kube_h2_fuzz) echo "$seeds/kube_h2" ;;
    grpc_h2_fuzz) echo "$seeds/grpc_h2" ;;
    *) echo "fuzz: unknown target $1 (one of: ${all[*]})" >&2; return 1 ;;
  esac
}

if [ -z "${TMPDIR:-}" ] && [ -d /dev/shm ] && [ -w /dev/shm ]; then
  export TMPDIR=/dev/shm
fi
mkdir -p "$build/artifacts"
seed=()
if [ -n "${GRPCMESH_FUZZ_SEED:-}" ]; then
  seed=(-seed="$GRPCMESH_FUZZ_SEED")
  fresh=$(mktemp -d)
  trap 'rm -rf "$fresh"' EXIT
fi
for t in "${targets[@]}"; do
  dirs=$(seed_dirs "$t")
  corpus=$build/corpus/$t
  [ ${#seed[@]} = 0 ] || corpus=$fresh/$t
  mkdir -p "$corpus"
  log=$build/fuzz-$t.log
  t_start=$SECONDS
  # shellcheck disable=SC2086 # GRPCMESH_FUZZ_FLAGS and $dirs are lists
  if ! "$build/tests/fuzz/$t" -max_total_time="$seconds" -max_len=131072 -rss_limit_mb=2048 -timeout=20 \
      -print_final_stats=1 -artifact_prefix="$build/artifacts/$t-" "${seed[@]}" ${GRPCMESH_FUZZ_FLAGS:-} "$corpus" $dirs \
      >"$log" 2>&1; then
    echo "fuzz: $t FAILED; see $log and $build/artifacts/" >&2
    tail -40 "$log" >&2
    exit 1
  fi
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*' || echo "?")
  ft=$(grep -o 'ft: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*' || echo "?")
  # With -fork=N the parent prints no final stats; its last progress line
  # ("#RUNS: cov: F ft: F .. exec/s N oom/timeout/crash: A/B/C ..") sums the
  # workers; it counts features only (its "cov" repeats them).
  forked=$(grep '^#[0-9]*: cov:' "$log" | tail -1 || true)
  if [ -n "$forked" ]; then
    runs=$(echo "$forked" | sed 's/^#\([0-9]*\):.*/\1/')
    speed=$(echo "$forked" | grep -o 'exec/s [0-9]*' | grep -o '[0-9]*$' || echo "?")
    faults=$(echo "$forked" | grep -o 'oom/timeout/crash: [0-9/]*' | grep -o '[0-9/]*$' || echo "?")
    echo "fuzz: $t $((SECONDS - t_start))s: $runs executions ($speed/s) in forked workers, $ft features," \
      "oom/timeout/crash $faults"
    continue
  fi
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
  rss=$(grep -o 'stat::peak_rss_mb: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
  speed=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
  echo "fuzz: $t $((SECONDS - t_start))s: $runs executions ($speed/s), coverage $cov edges, $ft features," \
    "peak RSS ${rss} MB, no crash"
done
