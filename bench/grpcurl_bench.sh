#!/usr/bin/env bash
# Benchmarks `kubectl grpcmesh grpcurl` against real grpcurl on one local test
# server, in the same run:
#   1. a reflection-resolved unary call, one process per call (median of N runs)
#   2. 1,000 sequential unary calls over one connection (--repeat 1000)
#   3. `kubectl-grpcmesh version` start-up, and `grpcurl` up to a usage error
#      (start-up plus loading the gRPC module, no network), medians of N runs
# Prints medians and ratios as Markdown rows for docs/benchmarks.md.
#
# Usage: bench/grpcurl_bench.sh [BUILD_DIR] [RUNS]   (default: build, 50)
# Needs the peers (scripts/build-peers.sh) for grpcurl and the test server:
# $GRPCMESH_PEERS_ENV, else BUILD_DIR/peers.env, else the cache's peers.env.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$root/build}" && pwd)
runs=${2:-50}
plugin="$build/kubectl-grpcmesh"
# shellcheck source=bench/peers_env.sh
. "$root/bench/peers_env.sh"
env_file=$(peers_env "$build")
[ -x "$plugin" ] || { echo "grpcurl_bench: build $plugin first (ninja -C build kubectl-grpcmesh)" >&2; exit 1; }
need_peers grpcurl_bench "$env_file" GRPCURL GRPCMESH_TESTSERVER
# shellcheck disable=SC1090
. "$env_file"
grpcurl=${GRPCURL:?grpcurl_bench: GRPCURL missing from $env_file}
testserver=${GRPCMESH_TESTSERVER:?grpcurl_bench: GRPCMESH_TESTSERVER missing from $env_file}

tmp=$(mktemp -d)
server_pid=""
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
"$testserver" >"$tmp/server.out" 2>/dev/null &
server_pid=$!
for _ in $(seq 100); do
  grep -q '^listening on ' "$tmp/server.out" 2>/dev/null && break
  sleep 0.05
done
addr=$(awk '/^listening on /{print $3; exit}' "$tmp/server.out")
[ -n "$addr" ] || { echo "grpcurl_bench: the test server did not start" >&2; exit 1; }

# Timestamps in microseconds from bash's own clock ($EPOCHREALTIME, bash 5),
# read without forking: `$(date +%s%N)` would add two process starts (about
# a millisecond) to every sample of both tools and flatten the ratio.
[ -n "${EPOCHREALTIME:-}" ] || { echo "grpcurl_bench: needs bash 5 (EPOCHREALTIME)" >&2; exit 1; }
# median_ms CMD...: runs CMD $runs times (after one warm-up) and prints the median wall time in ms.
median_ms() {
  "$@" >/dev/null 2>&1
  local samples=() t0 t1
  for _ in $(seq "$runs"); do
    t0=${EPOCHREALTIME/[.,]/}
    "$@" >/dev/null 2>&1
    t1=${EPOCHREALTIME/[.,]/}
    samples+=($(( t1 - t0 )))
  done
  printf '%s\n' "${samples[@]}" | sort -n | awk '{a[NR]=$1} END {m = (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2; printf "%.2f", m / 1000}'
}
once_ms() {
  local t0 t1
  t0=${EPOCHREALTIME/[.,]/}
  "$@" >/dev/null 2>&1
  t1=${EPOCHREALTIME/[.,]/}
  awk -v d=$(( t1 - t0 )) 'BEGIN {printf "%.1f", d / 1000}'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }

call=(-plaintext -d '{"name": "bench"}' "$addr" helloworld.Greeter/SayHello)
ours_unary=$(median_ms "$plugin" grpcurl "${call[@]}")
theirs_unary=$(median_ms "$grpcurl" "${call[@]}")

repeat=(-plaintext --repeat 1000 -d '{"name": "bench"}' "$addr" helloworld.Greeter/SayHello)
"$plugin" grpcurl "${repeat[@]}" >/dev/null
ours_repeat=$(once_ms "$plugin" grpcurl "${repeat[@]}")
summary=$("$plugin" grpcurl "${repeat[@]}")
# grpcurl has no --repeat: 1,000 calls cost 1,000 processes. Estimated from the median above.
theirs_repeat=$(awk -v m="$theirs_unary" 'BEGIN {printf "%.1f", m * 1000}')

version_ms=$(median_ms "$plugin" version)
module_ms=$(median_ms "$plugin" grpcurl -plaintext)

echo "| measurement | kubectl grpcmesh grpcurl | grpcurl | ratio |"
echo "|---|---|---|---|"
echo "| reflection-resolved unary call, median of $runs processes | ${ours_unary} ms | ${theirs_unary} ms | $(ratio "$ours_unary" "$theirs_unary") |"
echo "| 1,000 sequential unary calls (--repeat 1000 on one connection vs 1,000 grpcurl runs) | ${ours_repeat} ms | ~${theirs_repeat} ms | $(ratio "$ours_repeat" "$theirs_repeat") |"
echo "| \`kubectl-grpcmesh version\` start-up, median of $runs | ${version_ms} ms | | |"
echo "| \`grpcurl -plaintext\` up to its usage error (start-up + module), median of $runs | ${module_ms} ms | | |"
echo
echo "--repeat summary:"
echo "$summary"
