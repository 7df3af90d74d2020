#!/usr/bin/env bash
# Benchmarks `kubectl grpcmesh check` against `istioctl analyze` on the same
# large snapshot, in the same run:
#   live:    `check -A -o json` vs `istioctl analyze -A`, plus the floor: the
#            bare time of listing the same 8 kinds (grpcmesh-kube-probe
#            list KIND -A --count, one process per kind, summed)
#   offline: `check --offline -f DIR` vs `istioctl analyze --use-kube=false DIR`
# The snapshot is 10,000 objects: 2,000 Services with 2,000 EndpointSlices,
# 2,300 Pods, 2,000 VirtualServices, 200 Gateways, 1,000 DestinationRules and
# 500 TLS Secrets, spread over 20 namespaces. Prints a Markdown table of the
# median wall time and peak RSS (GNU time) of each. Without a running control
# plane in the environment it starts a throwaway one.
#
# Usage: bench/check_bench.sh [--runs N] [--build DIR]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
runs=3
build=$root/build
while [ $# -gt 0 ]; do
  case $1 in
    --runs) runs=${2:?--runs needs a number}; shift 2 ;;
    --build) build=$(cd "${2:?--build needs a directory}" && pwd); shift 2 ;;
    -h|--help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "check_bench: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
if [ -z "${GRPCMESH_SERVER:-}" ]; then
  exec "$root/tests/controlplane/controlplane.sh" exec -- "$0" --runs "$runs" --build "$build"
fi
plugin=$build/kubectl-grpcmesh
probe=$build/grpcmesh-kube-probe
for b in "$plugin" "$probe"; do
  [ -x "$b" ] || { echo "check_bench: $b not built (ninja -C $build kubectl-grpcmesh grpcmesh-kube-probe)" >&2; exit 1; }
done
[ -x /usr/bin/time ] || { echo "check_bench: GNU time (/usr/bin/time) is needed" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The snapshot, one file per namespace, plus the namespaces themselves.
python3 - "$tmp/objects" "$root/tests/testdata/check/ok-https/secret.yaml" "bench$$" <<'PY'
import json, os, sys
out, secret_file, prefix = sys.argv[1], sys.argv[2], sys.argv[3]
os.makedirs(out)
# A valid TLS secret from the fixtures, copied under new names.
secret = [json.loads(d) for d in open(secret_file).read().split("---\n") if d.strip()][0]
namespaces = [f"{prefix}-{i:02d}" for i in range(20)]
def meta(name, ns, **extra):
    m = {"name": name, "namespace": ns}
    m.update(extra)
    return m
docs = {ns: [] for ns in namespaces}
with open(os.path.join(out, "00-namespaces.yaml"), "w") as f:
    for ns in namespaces:
        f.write(json.dumps({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}}) + "\n---\n")
for i in range(2000):
    ns = namespaces[i % 20]
    svc = f"svc-{i}"
    docs[ns].append({"apiVersion": "v1", "kind": "Service", "metadata": meta(svc, ns),
                     # headless: a test control plane's service IP range is small
                     "spec": {"clusterIP": "None", "selector": {"app": svc},
                              "ports": [{"name": "grpc", "port": 50051}]}})
    docs[ns].append({"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
                     "metadata": meta(svc + "-abcde", ns, labels={"kubernetes.io/service-name": svc}),
                     "addressType": "IPv4", "ports": [{"name": "grpc", "port": 50051, "protocol": "TCP"}],
                     "endpoints": [{"addresses": [f"10.{i // 250}.{i % 250}.1"], "conditions": {"ready": True}}]})
    docs[ns].append({"apiVersion": "networking.istio.io/v1", "kind": "VirtualService", "metadata": meta(svc, ns),
                     "spec": {"hosts": [f"{svc}.example.com"], "gateways": [f"gw-{i % 200}"],
                              "http": [{"match": [{"uri": {"prefix": f"/pkg{i}.Service/"}}],
                                        "route": [{"destination": {"host": svc, "port": {"number": 50051}}}]}]}})
for i in range(2300):
    ns = namespaces[i % 20]
    docs[ns].append({"apiVersion": "v1", "kind": "Pod", "metadata": meta(f"pod-{i}", ns, labels={"app": f"svc-{i % 2000}"}),
                     "spec": {"containers": [{"name": "app", "image": "registry.example/app:1"}]}})
for i in range(200):
    ns = namespaces[i % 20]
    hosts = [f"svc-{j}.example.com" for j in range(i, 2000, 200)]
    docs[ns].append({"apiVersion": "networking.istio.io/v1", "kind": "Gateway", "metadata": meta(f"gw-{i}", ns),
                     "spec": {"selector": {"istio": "ingressgateway"},
                              "servers": [{"port": {"number": 443, "name": "https", "protocol": "HTTPS"},
                                           "hosts": hosts,
                                           "tls": {"mode": "SIMPLE", "credentialName": f"{prefix}-cert-{i % 500}"}}]}})
for i in range(1000):
    ns = namespaces[i % 20]
    docs[ns].append({"apiVersion": "networking.istio.io/v1", "kind": "DestinationRule", "metadata": meta(f"dr-{i}", ns),
                     "spec": {"host": f"svc-{i}", "trafficPolicy": {"connectionPool": {"http": {"idleTimeout": "1h"}}}}})
for i in range(500):
    s = json.loads(json.dumps(secret))
    s["metadata"] = {"name": f"{prefix}-cert-{i}", "namespace": "istio-system"}
    docs[namespaces[0]].append(s)
count = 0
for ns, objects in docs.items():
    with open(os.path.join(out, f"{ns}.yaml"), "w") as f:
        for o in objects:
            f.write(json.dumps(o) + "\n---\n")
            count += 1
print(count, file=sys.stderr)
PY
echo "check_bench: loading the snapshot into $GRPCMESH_SERVER" >&2
"$KUBECTL" create -f "$tmp/objects/00-namespaces.yaml" >/dev/null
"$KUBECTL" get namespace istio-system >/dev/null 2>&1 || "$KUBECTL" create namespace istio-system >/dev/null
for f in "$tmp"/objects/bench$$-*.yaml; do
  "$KUBECTL" create -f "$f" >/dev/null
done
mv "$tmp/objects/00-namespaces.yaml" "$tmp/namespaces.yaml"

measure() {  # NAME CMD... : appends "wall_seconds peak_rss_kb" to $tmp/NAME (exit 0 or 3 accepted)
  local name=$1; shift
  local start end rc=0
  start=$EPOCHREALTIME
  /usr/bin/time -f '%M' -o "$tmp/rss" "$@" >/dev/null 2>"$tmp/err" || rc=$?
  end=$EPOCHREALTIME
  if [ $rc != 0 ] && [ $rc != 3 ] && [ $rc != 79 ]; then cat "$tmp/err" >&2; exit 1; fi
  echo "$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.4f", b - a }') $(tail -1 "$tmp/rss")" >> "$tmp/$name"
}

floor() {
  for kind in Service discovery.k8s.io/EndpointSlice Pod Secret networking.istio.io/Gateway \
              networking.istio.io/VirtualService networking.istio.io/DestinationRule networking.istio.io/EnvoyFilter; do
    "$probe" list "$kind" -A --count >/dev/null
  done
}
export -f floor
export probe

for i in $(seq 1 "$runs"); do
  measure floor bash -c floor
  measure check-live "$plugin" check -A -o json
  measure istioctl-live "$ISTIOCTL" analyze -A
  measure check-files "$plugin" check --offline -f "$tmp/objects" -o json
  measure istioctl-files "$ISTIOCTL" analyze --use-kube=false "$tmp/objects"
done

python3 - "$tmp" "$runs" <<'PY'
import statistics, sys
tmp, runs = sys.argv[1], sys.argv[2]
def load(name):
    rows = [line.split() for line in open(f"{tmp}/{name}")]
    return statistics.median(float(r[0]) for r in rows), max(int(r[1]) for r in rows)
f_t, f_m = load("floor")
print(f"| 10,000 objects ({runs} runs, medians) | kubectl-grpcmesh check | istioctl analyze | time ratio | check peak RSS | istioctl peak RSS | RSS ratio |")
print("|---|---:|---:|---:|---:|---:|---:|")
for key, label in [("live", "live, -A"), ("files", "offline, the same objects as files")]:
    ct, cm = load(f"check-{key}")
    it, im = load(f"istioctl-{key}")
    print(f"| {label} | {ct*1000:.0f} ms | {it*1000:.0f} ms | {it/ct:.1f}x faster | {cm/1024:.1f} MiB | {im/1024:.1f} MiB | {cm/im:.2f} |")
ct, _ = load("check-live")
print(f"\nFloor (listing the same 8 kinds, one probe process per kind): {f_t*1000:.0f} ms; live check / floor = {ct/f_t:.2f}.")
PY
