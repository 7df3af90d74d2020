#!/usr/bin/env bash
# Benchmarks `kubectl grpcmesh check` against `istioctl analyze` on the same
# large snapshot, in the same run:
#   live:    `check -A -o json` vs `istioctl analyze -A`, plus the floor: the
#            bare time of listing the same 8 kinds (grpcmesh-kube-probe
#            list KIND -A --count, one process per kind, summed)
#   offline: `check --offline -f DIR` vs `istioctl analyze --use-kube=false DIR`,
#            with the objects written as JSON documents and as block YAML
#   transfer floor: the same 8 lists fetched whole by one curl process in
#            parallel over HTTP/2 (the API server's share of any live check)
#   process floor: `kubectl-grpcmesh version` (start-up and the memory of the
#            binary and its libraries, before any input)
# The snapshot is 10,000 objects: 2,000 Services with 2,000 EndpointSlices,
# 2,300 Pods, 2,000 VirtualServices, 200 Gateways, 1,000 DestinationRules and
# 500 TLS Secrets, spread over 20 namespaces. Prints a Markdown table of the
# median wall time and peak RSS (GNU time) of each. Without a running control
# plane in the environment it starts a throwaway one.
#
# Usage: bench/check_bench.sh [--runs N] [--build DIR] [--keep DIR]
#   --keep DIR  also writes the snapshot's manifests to DIR (for profiling)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
runs=3
build=$root/build
keep=""
while [ $# -gt 0 ]; do
  case $1 in
    --runs) runs=${2:?--runs needs a number}; shift 2 ;;
    --build) build=$(cd "${2:?--build needs a directory}" && pwd); shift 2 ;;
    --keep) keep=${2:?--keep needs a directory}; shift 2 ;;
    -h|--help) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "check_bench: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
if [ -z "${GRPCMESH_SERVER:-}" ]; then
  # shellcheck source=bench/peers_env.sh
  . "$root/bench/peers_env.sh"
  env_file=$(peers_env "$build")
  need_peers check_bench "$env_file" KUBE_APISERVER KUBECTL ETCD ISTIO_CRDS GATEWAY_API_CRDS ISTIOCTL
  exec "$root/tests/controlplane/controlplane.sh" exec --peers-env "$env_file" -- "$0" --runs "$runs" --build "$build" ${keep:+--keep "$keep"}
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
import json, os, re, sys
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
# The same objects as block YAML too, the way people write manifests.
def block(v, indent=0):
    pad = " " * indent
    def scalar(x):
        # plain when nothing else could be meant, else as JSON (JSON scalars are YAML)
        if isinstance(x, str) and re.fullmatch(r"[A-Za-z/][A-Za-z0-9./_-]*", x) and \
                x.lower() not in ("y", "n", "yes", "no", "on", "off", "true", "false", "null"):
            return x
        return json.dumps(x)
    lines = []
    if isinstance(v, dict):
        for k, x in v.items():
            if isinstance(x, (dict, list)) and x:
                lines.append(f"{pad}{k}:")
                lines.extend(block(x, indent + 2 if isinstance(x, dict) else indent))
            else:
                lines.append(f"{pad}{k}: {scalar(x) if not isinstance(x, (dict, list)) else json.dumps(x)}")
    else:
        for x in v:
            if isinstance(x, dict) and x:
                inner = block(x, indent + 2)
                lines.append(f"{pad}- {inner[0].lstrip()}")
                lines.extend(inner[1:])
            else:
                lines.append(f"{pad}- {scalar(x)}")
    return lines
os.makedirs(out + "-yaml")
count = 0
for ns, objects in docs.items():
    with open(os.path.join(out, f"{ns}.yaml"), "w") as f, open(os.path.join(out + "-yaml", f"{ns}.yaml"), "w") as y:
        for o in objects:
            f.write(json.dumps(o) + "\n---\n")
            y.write("\n".join(block(o)) + "\n---\n")
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
if [ -n "$keep" ]; then
  mkdir -p "$keep" && cp "$tmp"/objects/*.yaml "$keep"/
fi

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

# The server's share: the same 8 lists fetched whole by one curl process, in
# parallel over HTTP/2, gzip-compressed like our client's, nothing parsed.
transfer() {
  local urls=()
  for p in api/v1/services apis/discovery.k8s.io/v1/endpointslices api/v1/pods api/v1/secrets \
           apis/networking.istio.io/v1/gateways apis/networking.istio.io/v1/virtualservices \
           apis/networking.istio.io/v1/destinationrules apis/networking.istio.io/v1alpha3/envoyfilters; do
    urls+=("$GRPCMESH_SERVER/$p" -o /dev/null)
  done
  curl -fsS --http2 --parallel --parallel-max 8 --compressed --cacert "$GRPCMESH_CA_FILE" \
    --cert "$GRPCMESH_ADMIN_CERT" --key "$GRPCMESH_ADMIN_KEY" "${urls[@]}"
}
export -f transfer

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
for i in $(seq 1 "$runs"); do
  measure version "$plugin" version
  measure floor bash -c floor
  measure transfer bash -c transfer
  measure check-live "$plugin" check -A -o json
  measure istioctl-live "$ISTIOCTL" analyze -A
  measure check-files "$plugin" check --offline -f "$tmp/objects" -o json
  measure istioctl-files "$ISTIOCTL" analyze --use-kube=false "$tmp/objects"
  measure check-yaml "$plugin" check --offline -f "$tmp/objects-yaml" -o json
  measure istioctl-yaml "$ISTIOCTL" analyze --use-kube=false "$tmp/objects-yaml"
done

load_after=$(cut -d' ' -f1-3 /proc/loadavg)

python3 - "$tmp" "$runs" "$load_before" "$load_after" <<'PY'
import statistics, sys
tmp, runs, load_before, load_after = sys.argv[1:5]
def load(name):
    rows = [line.split() for line in open(f"{tmp}/{name}")]
    return statistics.median(float(r[0]) for r in rows), max(int(r[1]) for r in rows)
f_t, f_m = load("floor")
print(f"| 10,000 objects ({runs} runs, medians) | kubectl-grpcmesh check | istioctl analyze | time ratio | check peak RSS | istioctl peak RSS | RSS ratio |")
print("|---|---:|---:|---:|---:|---:|---:|")
for key, label in [("live", "live, -A"), ("files", "offline, the same objects as files (one JSON document each)"),
                   ("yaml", "offline, the same objects as block YAML")]:
    ct, cm = load(f"check-{key}")
    it, im = load(f"istioctl-{key}")
    print(f"| {label} | {ct*1000:.0f} ms | {it*1000:.0f} ms | {it/ct:.1f}x faster | {cm/1024:.1f} MiB | {im/1024:.1f} MiB | {cm/im:.2f} |")
ct, _ = load("check-live")
v_t, v_m = load("version")
t_t, t_m = load("transfer")
print(f"\nFloor (listing the same 8 kinds, one probe process per kind): {f_t*1000:.0f} ms; live check / floor = {ct/f_t:.2f}.")
print(f"Transfer floor (the same 8 lists fetched whole by one curl process, in parallel, nothing parsed): {t_t*1000:.0f} ms, peak RSS {t_m/1024:.1f} MiB; live check / transfer = {ct/t_t:.2f}.")
print(f"Process floor (`kubectl-grpcmesh version`): {v_t*1000:.0f} ms, peak RSS {v_m/1024:.1f} MiB.")
print(f"Load average (1, 5, 15 min): {load_before} before, {load_after} after.")
PY
