#!/usr/bin/env bash
# Benchmarks a portable release binary (scripts/release.sh --portable: Zig,
# static libraries) against the developer build, in the same run, on the same
# control plane (with the simulated Istio install, so that init finds its
# gateway pods):
#   start-up: `version`
#   apply:    `init --host H`, a new Gateway by server-side apply; the same
#             again, unchanged; then `init --host H --remove`
# The two binaries take turns, RUNS times each. Prints a Markdown table:
# median wall time, the ratio portable/developer, and peak RSS (GNU time).
# Without a running control plane in the environment it starts a throwaway
# one (tests/controlplane/controlplane.sh exec --istio-sim).
#
# Usage: bench/release_bench.sh [--runs N] [--build DIR] [--portable BINARY]
#   --build DIR        the developer build (default build)
#   --portable BINARY  default DIR/portable/build-amd64/kubectl-grpcmesh (what
#                      the release.portable test builds)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
runs=20
build=$root/build
portable=""
while [ $# -gt 0 ]; do
  case $1 in
    --runs) runs=${2:?--runs needs a number}; shift 2 ;;
    --build) build=$(cd "${2:?--build needs a directory}" && pwd); shift 2 ;;
    --portable) portable=$(realpath "${2:?--portable needs a binary}"); shift 2 ;;
    -h|--help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "release_bench: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
portable=${portable:-$build/portable/build-amd64/kubectl-grpcmesh}
dev=$build/kubectl-grpcmesh
for b in "$dev" "$portable"; do
  [ -x "$b" ] || { echo "release_bench: $b not found (build it; the portable one with scripts/release.sh --portable)" >&2; exit 1; }
done
if [ -z "${GRPCMESH_SERVER:-}" ]; then
  # shellcheck source=bench/peers_env.sh
  . "$root/bench/peers_env.sh"
  env_file=$(peers_env "$build")
  need_peers release_bench "$env_file" KUBE_APISERVER KUBECTL ETCD ISTIO_CRDS GATEWAY_API_CRDS
  exec "$root/tests/controlplane/controlplane.sh" exec --istio-sim --peers-env "$env_file" -- \
    "$0" --runs "$runs" --build "$build" --portable "$portable"
fi
[ -x /usr/bin/time ] || { echo "release_bench: GNU time (/usr/bin/time) is needed" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# measure NAME CMD... : appends "wall_seconds peak_rss_kb" to $tmp/NAME
measure() {
  local name=$1 start end
  shift
  start=$EPOCHREALTIME
  /usr/bin/time -f '%M' -o "$tmp/rss" "$@" >/dev/null 2>"$tmp/err" || { cat "$tmp/err" >&2; exit 1; }
  end=$EPOCHREALTIME
  echo "$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.5f", b - a }') $(tail -1 "$tmp/rss")" >> "$tmp/$name"
}

echo "release_bench: load average before: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores" >&2
echo "release_bench: $runs runs each against $GRPCMESH_SERVER" >&2
for i in $(seq 1 "$runs"); do
  for who in dev portable; do
    bin=$dev
    [ $who = dev ] || bin=$portable
    host=bench-$who-$i.example.com
    measure "version-$who" "$bin" version
    measure "init-$who" "$bin" init --host "$host"
    measure "again-$who" "$bin" init --host "$host"
    measure "remove-$who" "$bin" init --host "$host" --remove
  done
done
echo "release_bench: load average after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2

python3 - "$tmp" "$runs" <<'PY'
import statistics, sys
tmp, runs = sys.argv[1], sys.argv[2]
def load(name):
    rows = [line.split() for line in open(f"{tmp}/{name}")]
    return statistics.median(float(r[0]) for r in rows), max(int(r[1]) for r in rows)
print(f"| operation ({runs} runs, medians) | developer build | portable build | time ratio | developer peak RSS | portable peak RSS |")
print("|---|---:|---:|---:|---:|---:|")
for key, label in [("version", "`version` (start-up)"),
                   ("init", "`init --host H` (a new Gateway, server-side apply)"),
                   ("again", "`init --host H` again (unchanged)"),
                   ("remove", "`init --host H --remove`")]:
    dt, dm = load(f"{key}-dev")
    pt, pm = load(f"{key}-portable")
    print(f"| {label} | {dt*1000:.2f} ms | {pt*1000:.2f} ms | {pt/dt:.2f} | {dm/1024:.1f} MiB | {pm/1024:.1f} MiB |")
PY
