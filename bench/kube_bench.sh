#!/usr/bin/env bash
# Benchmarks the Kubernetes client core (through the test-only
# grpcmesh-kube-probe) against kubectl on the same control plane, in the same
# run:
#   apply:  server-side apply of 100 ConfigMaps (create, then re-apply
#           unchanged) vs `kubectl apply --server-side -f`
#   list:   5,000 ConfigMaps across all namespaces as JSON vs
#           `kubectl get configmaps -A -o json`
# Prints a Markdown table: median wall time, the ratio ours/kubectl, and peak
# RSS (GNU time). Without a running control plane in the environment it starts
# a throwaway one (tests/controlplane/controlplane.sh exec).
#
# Usage: bench/kube_bench.sh [--runs N] [--build DIR]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
runs=5
build=$root/build
while [ $# -gt 0 ]; do
  case $1 in
    --runs) runs=${2:?--runs needs a number}; shift 2 ;;
    --build) build=$(cd "${2:?--build needs a directory}" && pwd); shift 2 ;;
    -h|--help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "kube_bench: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
if [ -z "${GRPCMESH_SERVER:-}" ]; then
  # shellcheck source=bench/peers_env.sh
  . "$root/bench/peers_env.sh"
  env_file=$(peers_env "$build")
  need_peers kube_bench "$env_file" KUBE_APISERVER KUBECTL ETCD ISTIO_CRDS GATEWAY_API_CRDS
  exec "$root/tests/controlplane/controlplane.sh" exec --peers-env "$env_file" -- "$0" --runs "$runs" --build "$build"
fi
probe=$build/grpcmesh-kube-probe
[ -x "$probe" ] || { echo "kube_bench: $probe not built (ninja -C $build grpcmesh-kube-probe)" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "kube_bench: GNU time (/usr/bin/time) is needed" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

config_maps() {  # NS COUNT PREFIX -> a multi-document YAML file on stdout
  python3 - "$@" <<'PY'
import sys
ns, count, prefix = sys.argv[1], int(sys.argv[2]), sys.argv[3]
for i in range(count):
    print(f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {prefix}-{i}\n  namespace: {ns}\n"
          f"  labels: {{app.kubernetes.io/name: bench, index: \"{i}\"}}\n"
          f"data:\n  payload: \"{'x' * 200}\"\n  index: \"{i}\"\n---")
PY
}

# measure NAME CMD... : appends "wall_seconds peak_rss_kb" to $tmp/NAME
measure() {
  local name=$1; shift
  local start end
  start=$EPOCHREALTIME
  /usr/bin/time -f '%M' -o "$tmp/rss" "$@" >/dev/null 2>"$tmp/err" || { cat "$tmp/err" >&2; exit 1; }
  end=$EPOCHREALTIME
  echo "$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.4f", b - a }') $(tail -1 "$tmp/rss")" >> "$tmp/$name"
}

echo "kube_bench: load average before: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores" >&2
echo "kube_bench: $runs runs each against $GRPCMESH_SERVER ($("$KUBECTL" version --client -o json | python3 -c 'import json,sys; print(json.load(sys.stdin)["clientVersion"]["gitVersion"])'))" >&2

list_ns=bench-list-$$
"$KUBECTL" create namespace "$list_ns" >/dev/null
config_maps "$list_ns" 5000 item > "$tmp/list.yaml"
"$probe" apply -f "$tmp/list.yaml" -o name >/dev/null
total=$("$probe" list ConfigMap -A --count)
for i in $(seq 1 "$runs"); do
  measure list-kubectl "$KUBECTL" get configmaps -A -o json
  measure list-ours "$probe" list ConfigMap -A -o json
done


for i in $(seq 1 "$runs"); do
  for who in kubectl ours; do
    ns=bench-apply-$who-$i-$$
    "$KUBECTL" create namespace "$ns" >/dev/null
    config_maps "$ns" 100 cm > "$tmp/apply.yaml"
    if [ $who = kubectl ]; then
      measure apply-create-kubectl "$KUBECTL" apply --server-side -f "$tmp/apply.yaml"
      measure apply-again-kubectl "$KUBECTL" apply --server-side -f "$tmp/apply.yaml"
    else
      measure apply-create-ours "$probe" apply -f "$tmp/apply.yaml"
      measure apply-again-ours "$probe" apply -f "$tmp/apply.yaml"
    fi
  done
done

echo "kube_bench: load average after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
python3 - "$tmp" "$runs" "$total" <<'PY'
import statistics, sys
tmp, runs, total = sys.argv[1], sys.argv[2], sys.argv[3]
def load(name):
    rows = [line.split() for line in open(f"{tmp}/{name}")]
    return statistics.median(float(r[0]) for r in rows), max(int(r[1]) for r in rows)
print(f"| operation ({runs} runs, medians) | kubectl | kubectl-grpcmesh | time ratio | kubectl peak RSS | our peak RSS | RSS ratio |")
print("|---|---:|---:|---:|---:|---:|---:|")
for key, label in [("apply-create", "apply 100 ConfigMaps (create)"),
                   ("apply-again", "apply 100 ConfigMaps (unchanged)"),
                   ("list", f"list {total} ConfigMaps -A as JSON")]:
    kt, km = load(f"{key}-kubectl")
    ot, om = load(f"{key}-ours")
    print(f"| {label} | {kt*1000:.0f} ms | {ot*1000:.0f} ms | {ot/kt:.2f} | {km/1024:.1f} MiB | {om/1024:.1f} MiB | {om/km:.2f} |")
PY
