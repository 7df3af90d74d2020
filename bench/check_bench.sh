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
# 500 TLS Secrets, spread over 20 namespaces.
# Then, on a second control plane with a real istiod and one simulated
# gateway pod (its stand-in connected to istiod over xDS), a gateway serving
# 200 hosts (20 Gateways of 10 HTTPS hosts, 200 VirtualServices to 200 gRPC
# Services):
#   deep:    `check -A --deep --istiod-address ISTIOD -o json` vs
#            `istioctl proxy-status --xds-address` to the same istiod, and the
#            transfer floor: the same /debug/syncz and config dump fetched
#            raw by one curl process, nothing parsed
# Prints Markdown tables of the median wall time and peak RSS (GNU time) of
# each. Without a running control plane in the environment it starts
# throwaway ones.
#
# Usage: bench/check_bench.sh [--runs N] [--build DIR] [--keep DIR] [--part static|deep|all]
#   --keep DIR  also writes the snapshot's manifests to DIR (for profiling);
#               with the deep part, the config dump and syncz it measured too
#               (DIR/deep-config_dump.json, DIR/deep-syncz.json)
#   --part      only the static (10,000 objects) or the --deep measurements
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
runs=3
build=$root/build
keep=""
part=all
while [ $# -gt 0 ]; do
  case $1 in
    --runs) runs=${2:?--runs needs a number}; shift 2 ;;
    --build) build=$(cd "${2:?--build needs a directory}" && pwd); shift 2 ;;
    --keep) keep=${2:?--keep needs a directory}; shift 2 ;;
    --part) part=${2:?--part needs static, deep or all}; shift 2 ;;
    -h|--help) sed -n '2,33p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "check_bench: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
case $part in static|deep|all) ;; *) echo "check_bench: --part is static, deep or all, not '$part'" >&2; exit 2 ;; esac
if [ -z "${GRPCMESH_SERVER:-}" ]; then
  # shellcheck source=bench/peers_env.sh
  . "$root/bench/peers_env.sh"
  env_file=$(peers_env "$build")
  if [ "$part" != deep ]; then
    need_peers check_bench "$env_file" KUBE_APISERVER KUBECTL ETCD ISTIO_CRDS GATEWAY_API_CRDS ISTIOCTL
    "$root/tests/controlplane/controlplane.sh" exec --peers-env "$env_file" -- \
      "$0" --part static --runs "$runs" --build "$build" ${keep:+--keep "$keep"}
  fi
  if [ "$part" != static ]; then
    need_peers check_bench "$env_file" KUBE_APISERVER KUBECTL ETCD ISTIO_CRDS GATEWAY_API_CRDS ISTIOCTL ISTIOD ISTIO_XDSCLIENT
    # istioctl asks over istiod's plaintext xDS port: there is no token
    # machinery here to authenticate it on the TLS one, so istiod serves its
    # debug types to unauthenticated callers (a default istiod refuses them).
    ENABLE_DEBUG_ENDPOINT_AUTH=false ISTIO_SIM_GATEWAY_PODS=1 "$root/tests/controlplane/controlplane.sh" exec --istio-sim --istiod --peers-env "$env_file" -- \
      "$0" --part deep --runs "$runs" --build "$build" ${keep:+--keep "$keep"}
  fi
  exit 0
fi
plugin=$build/kubectl-grpcmesh
probe=$build/grpcmesh-kube-probe
bins=("$plugin")
[ "$part" = deep ] || bins+=("$probe")
for b in "${bins[@]}"; do
  [ -x "$b" ] || { echo "check_bench: $b not built (ninja -C $build kubectl-grpcmesh grpcmesh-kube-probe)" >&2; exit 1; }
done
[ -x /usr/bin/time ] || { echo "check_bench: GNU time (/usr/bin/time) is needed" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

measure() {  # NAME CMD... : appends "wall_seconds peak_rss_kb" to $tmp/NAME (exit 0 or 3 accepted)
  local name=$1; shift
  local start end rc=0
  start=$EPOCHREALTIME
  /usr/bin/time -f '%M' -o "$tmp/rss" "$@" >/dev/null 2>"$tmp/err" || rc=$?
  end=$EPOCHREALTIME
  if [ $rc != 0 ] && [ $rc != 3 ] && [ $rc != 79 ]; then cat "$tmp/err" >&2; exit 1; fi
  echo "$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.4f", b - a }') $(tail -1 "$tmp/rss")" >> "$tmp/$name"
}

# ---------------------------------------------------------------- --deep
if [ "$part" = deep ]; then
  [ -n "${GRPCMESH_ISTIOD_HTTP:-}" ] && [ -x "${ISTIO_XDSCLIENT:-}" ] ||
    { echo "check_bench: --part deep needs a control plane with istiod (controlplane.sh --istiod) and ISTIO_XDSCLIENT" >&2; exit 1; }
  pod=$("$KUBECTL" get pods -n istio-system -l istio=ingressgateway -o jsonpath='{.items[0].metadata.name}')
  proxy=$pod.istio-system
  ns=deepbench$$
  python3 - "$tmp/deep.json" "$root/tests/testdata/check/ok-https/secret.yaml" "$ns" <<'PY2'
import json, sys
out, secret_file, ns = sys.argv[1:4]
secret = [json.loads(d) for d in open(secret_file).read().split("---\n") if d.strip()][0]
items = [{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}}]
for g in range(20):
    s = json.loads(json.dumps(secret))
    s["metadata"] = {"name": f"{ns}-cert-{g}", "namespace": "istio-system"}
    items.append(s)
    items.append({"apiVersion": "networking.istio.io/v1", "kind": "Gateway", "metadata": {"name": f"gw-{g}", "namespace": ns},
                  "spec": {"selector": {"istio": "ingressgateway"},
                           "servers": [{"port": {"number": 443, "name": f"https-{g}", "protocol": "HTTPS"},
                                        "hosts": [f"svc-{i}.deep.example.com" for i in range(g, 200, 20)],
                                        "tls": {"mode": "SIMPLE", "credentialName": f"{ns}-cert-{g}"}}]}})
for i in range(200):
    svc = f"svc-{i}"
    items.append({"apiVersion": "v1", "kind": "Service", "metadata": {"name": svc, "namespace": ns},
                  "spec": {"selector": {"app": svc}, "ports": [{"name": "grpc", "port": 50051, "appProtocol": "grpc"}]}})
    items.append({"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
                  "metadata": {"name": svc + "-abcde", "namespace": ns, "labels": {"kubernetes.io/service-name": svc}},
                  "addressType": "IPv4", "ports": [{"name": "grpc", "port": 50051, "protocol": "TCP", "appProtocol": "grpc"}],
                  "endpoints": [{"addresses": [f"10.245.{i // 250}.{i % 250 + 1}"], "conditions": {"ready": True}}]})
    items.append({"apiVersion": "networking.istio.io/v1", "kind": "VirtualService", "metadata": {"name": svc, "namespace": ns},
                  "spec": {"hosts": [f"{svc}.deep.example.com"], "gateways": [f"gw-{i % 20}"],
                           "http": [{"match": [{"uri": {"prefix": f"/pkg{i}.Service/"}}],
                                     "route": [{"destination": {"host": svc, "port": {"number": 50051}}}]}]}})
json.dump({"apiVersion": "v1", "kind": "List", "items": items}, open(out, "w"))
PY2
  echo "check_bench: loading a gateway of 200 hosts into $GRPCMESH_SERVER, $pod connected to istiod at $GRPCMESH_ISTIOD_XDS" >&2
  "$ISTIO_XDSCLIENT" --xds "$GRPCMESH_ISTIOD_XDS" --kubeconfig "$KUBECONFIG" --pod "istio-system/$pod" \
    --istio-version "${GRPCMESH_ISTIO_SIM_VERSION:-1.31.0}" >"$tmp/xdsclient.log" 2>&1 &
  gateway=$!
  trap 'kill "$gateway" 2>/dev/null; wait "$gateway" 2>/dev/null; rm -rf "$tmp"' EXIT
  "$KUBECTL" create -f "$tmp/deep.json" >/dev/null
  # Until istiod has pushed all 200 hosts and the pod has ACKed them.
  ready() {
    curl -fsS "http://$GRPCMESH_ISTIOD_HTTP/debug/config_dump?proxyID=$proxy" -o "$tmp/dump.json" &&
      curl -fsS "http://$GRPCMESH_ISTIOD_HTTP/debug/syncz" -o "$tmp/syncz.json" &&
      python3 - "$tmp/dump.json" "$tmp/syncz.json" "$proxy" <<'PY2'
import json, sys
dump, syncz, proxy = json.load(open(sys.argv[1])), json.load(open(sys.argv[2])), sys.argv[3]
hosts = set()
def walk(v):
    if isinstance(v, dict):
        for d in v.get("domains", []):
            if d.endswith(".deep.example.com"):
                hosts.add(d)
        for x in v.values():
            walk(x)
    elif isinstance(v, list):
        for x in v:
            walk(x)
walk(dump)
known = any(x.get("proxy") == proxy for x in syncz)
sys.exit(0 if known and len(hosts) >= 200 else 1)
PY2
  }
  for i in $(seq 240); do
    ready && break
    kill -0 "$gateway" 2>/dev/null || { echo "check_bench: the stand-in gateway exited:" >&2; tail -n 5 "$tmp/xdsclient.log" >&2; exit 1; }
    [ "$i" -lt 240 ] || { echo "check_bench: istiod did not send the pod all 200 hosts in 120 s" >&2; exit 1; }
    sleep 0.5
  done
  sleep 2  # istiod's debounce: let the last push be ACKed
  dump_bytes=$(stat -c %s "$tmp/dump.json")
  syncz_bytes=$(stat -c %s "$tmp/syncz.json")
  if [ -n "$keep" ]; then
    mkdir -p "$keep" && cp "$tmp/dump.json" "$keep/deep-config_dump.json" && cp "$tmp/syncz.json" "$keep/deep-syncz.json"
  fi

  # The transfer floor: what check --deep reads from istiod, fetched raw.
  deep_transfer() {
    curl -fsS --parallel --compressed "http://$GRPCMESH_ISTIOD_HTTP/debug/syncz" -o /dev/null \
      "http://$GRPCMESH_ISTIOD_HTTP/debug/config_dump?proxyID=$proxy" -o /dev/null
  }
  export -f deep_transfer
  export proxy
  load_before=$(cut -d' ' -f1-3 /proc/loadavg)
  for i in $(seq 1 "$runs"); do
    measure deep-version "$plugin" version
    measure deep-transfer bash -c deep_transfer
    measure deep-check "$plugin" check -A --deep --istiod-address "$GRPCMESH_ISTIOD_HTTP" -o json
    measure deep-static "$plugin" check -A -o json
    measure deep-istioctl "$ISTIOCTL" proxy-status --xds-address "$GRPCMESH_ISTIOD_XDS" --plaintext -i istio-system
  done
  load_after=$(cut -d' ' -f1-3 /proc/loadavg)
  # The last check's report: it saw the 200 hosts on the pod.
  "$plugin" check -A --deep --istiod-address "$GRPCMESH_ISTIOD_HTTP" -o json > "$tmp/deep-report.json" || true
  python3 - "$tmp" "$runs" "$load_before" "$load_after" "$dump_bytes" "$syncz_bytes" <<'PY2'
import json, statistics, sys
tmp, runs, load_before, load_after, dump_bytes, syncz_bytes = sys.argv[1:7]
def load(name):
    rows = [line.split() for line in open(f"{tmp}/{name}")]
    return statistics.median(float(r[0]) for r in rows), max(int(r[1]) for r in rows)
report = json.load(open(f"{tmp}/deep-report.json"))
hosts = {h["host"] for h in report.get("deep", {}).get("hosts", []) if h.get("routeConfig")}
if len(hosts) < 200:
    sys.exit(f"check_bench: check --deep saw {len(hosts)} hosts on the pod, not 200")
ct, cm = load("deep-check")
tt, tm = load("deep-transfer")
it, im = load("deep-istioctl")
vt, vm = load("deep-version")
st, sm = load("deep-static")
print(f"| gateway of 200 hosts, 1 pod ({runs} runs, medians) | wall | peak RSS | check --deep / it: time | check --deep / it: RSS |")
print("|---|---:|---:|---:|---:|")
print(f"| `check -A --deep --istiod-address` | {ct*1000:.0f} ms | {cm/1024:.1f} MiB | | |")
print(f"| transfer floor: syncz and config dump ({int(dump_bytes)/1048576:.1f} MiB) by one curl, nothing parsed | {tt*1000:.0f} ms | {tm/1024:.1f} MiB | {ct/tt:.2f} | |")
print(f"| `istioctl proxy-status --xds-address` | {it*1000:.0f} ms | {im/1024:.1f} MiB | {ct/it:.2f} | {cm/im:.2f} |")
print(f"| `check -A` without --deep (its share: the objects from the API server) | {st*1000:.0f} ms | {sm/1024:.1f} MiB | | |")
print(f"| `kubectl-grpcmesh version` | {vt*1000:.0f} ms | {vm/1024:.1f} MiB | | |")
print(f"\nLoad average (1, 5, 15 min): {load_before} before, {load_after} after.")
PY2
  exit 0
fi

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
