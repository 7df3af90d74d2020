#!/usr/bin/env bash
# A throwaway Kubernetes control plane on loopback: etcd and kube-apiserver
# (built by scripts/build-peers.sh) with Istio's and Gateway API's CRDs
# installed, an admin kubeconfig (client certificate, O=system:masters), a
# read-only "viewer" kubeconfig with narrow RBAC and a static-token user.
# Optionally lays down a simulated Istio install as real API objects.
#
# Usage:
#   controlplane.sh run   [--istio-sim]            foreground: start, print how
#                                                  to use it, stop on Ctrl-C
#   controlplane.sh exec  [--istio-sim] -- CMD...  start, run CMD with the
#                                                  control plane's environment
#                                                  exported, stop; CMD's exit code
#   controlplane.sh start --state-dir DIR [--istio-sim]
#                                                  start in the background; state,
#                                                  pids and DIR/env stay in DIR
#   controlplane.sh stop  --state-dir DIR          stop it and remove DIR
#   controlplane.sh istio-sim --state-dir DIR      add the simulated Istio install
#                                                  to a running control plane
# Options:
#   --peers-env FILE   peers env file (default: $GRPCMESH_PEERS_ENV, else the
#                      one scripts/build-peers.sh writes in its cache)
#   --istiod           also run a real istiod (pilot-discovery, $ISTIOD) on
#                      loopback ports of its own, against this API server;
#                      its addresses go to DIR/env (GRPCMESH_ISTIOD_*)
#   --cert-manager     also install cert-manager's CRDs ($CERT_MANAGER_CRDS)
#                      and run its controller ($CERT_MANAGER_CONTROLLER)
#                      against this API server, with a self-signed
#                      ClusterIssuer and a CA Issuer in istio-system, both
#                      Ready (DIR/env: GRPCMESH_CERT_MANAGER_*)
#
# DIR/env (KEY=VALUE lines) names everything a test needs: KUBECONFIG (admin),
# GRPCMESH_VIEWER_KUBECONFIG, GRPCMESH_TOKEN_KUBECONFIG, GRPCMESH_SERVER,
# KUBECACHEDIR and the peers (KUBECTL, ISTIOCTL, ...). See docs/development.md.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
prog=controlplane

die() { echo "$prog: $*" >&2; exit 1; }
now() { echo "${EPOCHREALTIME/[,]/.}"; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

mode=${1:-}
[ -n "$mode" ] || { sed -n '2,34p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
shift
state=""
istio_sim=0
istiod=0
cert_manager=0
peers_env=${GRPCMESH_PEERS_ENV:-${GRPCMESH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kubectl-grpcmesh}/peers.env}
cmd=()
while [ $# -gt 0 ]; do
  case $1 in
    --state-dir) state=${2:?--state-dir needs a directory}; shift 2 ;;
    --istio-sim) istio_sim=1; shift ;;
    --istiod) istiod=1; shift ;;
    --cert-manager) cert_manager=1; shift ;;
    --peers-env) peers_env=${2:?--peers-env needs a file}; shift 2 ;;
    --) shift; cmd=("$@"); break ;;
    -h|--help) sed -n '2,34p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "$prog: unknown argument '$1'" >&2; exit 2 ;;
  esac
done

# ---------------------------------------------------------------- helpers

load_peers() {
  [ -f "$peers_env" ] || die "no peers env file at $peers_env; run scripts/build-peers.sh first"
  # shellcheck disable=SC1090
  set -a; . "$peers_env"; set +a
  local v
  for v in KUBE_APISERVER ETCD KUBECTL ISTIO_CRDS GATEWAY_API_CRDS; do
    [ -e "${!v:-}" ] || die "$v (${!v:-unset}) from $peers_env does not exist; run scripts/build-peers.sh"
  done
  if [ "$istiod" = 1 ]; then
    [ -x "${ISTIOD:-}" ] || die "--istiod: ISTIOD (${ISTIOD:-unset}) from $peers_env does not exist; run scripts/build-peers.sh"
  fi
  if [ "$cert_manager" = 1 ]; then
    [ -x "${CERT_MANAGER_CONTROLLER:-}" ] && [ -d "${CERT_MANAGER_CRDS:-}" ] ||
      die "--cert-manager: CERT_MANAGER_CONTROLLER and CERT_MANAGER_CRDS from $peers_env do not exist; run scripts/build-peers.sh"
  fi
}

# free_ports N: N distinct free loopback ports (bound together, then released).
free_ports() {
  python3 - "$1" <<'EOF'
import socket, sys
socks = [socket.socket() for _ in range(int(sys.argv[1]))]
for s in socks:
    s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in socks))
EOF
}

# is_ours PID BINARY: PID is alive and runs BINARY (guards against pid reuse).
is_ours() {
  [ -n "$1" ] && [ -r "/proc/$1/cmdline" ] && tr '\0' '\n' < "/proc/$1/cmdline" 2>/dev/null | head -n1 | grep -qxF "$2"
}

# stop_pid PID BINARY: TERM, then KILL after 10s.
stop_pid() {
  local pid=$1 bin=$2 i
  is_ours "$pid" "$bin" || return 0
  kill -TERM "$pid" 2>/dev/null || return 0
  for i in $(seq 100); do
    is_ours "$pid" "$bin" || return 0
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
}

# poll SECONDS WHAT PID-TO-WATCH CMD...: runs CMD until it succeeds.
poll() {
  local limit=$1 what=$2 watch=$3 start
  shift 3
  start=$(now)
  while ! "$@" >/dev/null 2>&1; do
    if [ -n "$watch" ] && ! kill -0 "$watch" 2>/dev/null; then
      echo "$prog: $what: the process exited" >&2
      return 1
    fi
    if awk -v a="$start" -v b="$(now)" -v l="$limit" 'BEGIN { exit !(b - a > l) }'; then
      echo "$prog: $what: not ready after ${limit}s" >&2
      return 1
    fi
    sleep 0.05
  done
}

kc() { "$KUBECTL" --kubeconfig "$state/admin.kubeconfig" "$@"; }

# ---------------------------------------------------------------- PKI

# sign NAME SUBJECT EXTENSIONS: an EC key and a certificate signed by our CA.
sign() {
  local name=$1 subj=$2 ext=$3 pki=$state/pki
  openssl ecparam -name prime256v1 -genkey -noout -out "$pki/$name.key" 2>/dev/null
  openssl req -new -key "$pki/$name.key" -subj "$subj" -out "$pki/$name.csr" 2>/dev/null
  printf '%b\n' "$ext" > "$pki/$name.ext"
  openssl x509 -req -in "$pki/$name.csr" -CA "$pki/ca.crt" -CAkey "$pki/ca.key" -CAcreateserial \
    -days 2 -sha256 -extfile "$pki/$name.ext" -out "$pki/$name.crt" 2>/dev/null
  rm -f "$pki/$name.csr" "$pki/$name.ext"
}

make_pki() {
  local pki=$state/pki
  mkdir -p "$pki"
  chmod 700 "$pki"
  openssl ecparam -name prime256v1 -genkey -noout -out "$pki/ca.key" 2>/dev/null
  openssl req -x509 -new -key "$pki/ca.key" -subj "/CN=grpcmesh-test-ca" -days 2 -sha256 \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -out "$pki/ca.crt" 2>/dev/null
  sign apiserver "/CN=kube-apiserver" \
    "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1,IP:10.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local"
  local client="basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth"
  sign admin "/O=system:masters/CN=grpcmesh-admin" "$client"
  sign viewer "/O=grpcmesh:viewers/CN=grpcmesh-viewer" "$client"
  openssl genrsa -out "$pki/sa.key" 2048 2>/dev/null
  openssl rsa -in "$pki/sa.key" -pubout -out "$pki/sa.pub" 2>/dev/null
  token=$(openssl rand -hex 24)
  printf '%s,grpcmesh-token-user,grpcmesh-token-user-uid,"grpcmesh:token-users"\n' "$token" > "$pki/tokens.csv"
  chmod 600 "$pki"/*.key "$pki/tokens.csv"
}

b64() { base64 -w0 < "$1"; }

# kubeconfig FILE CONTEXT USER-STANZA: a self-contained kubeconfig.
kubeconfig() {
  local file=$1 context=$2 user=$3
  cat > "$file" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: grpcmesh-test
  cluster:
    server: $server
    certificate-authority-data: $(b64 "$state/pki/ca.crt")
users:
- name: $context
  user:
$user
contexts:
- name: $context
  context:
    cluster: grpcmesh-test
    user: $context
current-context: $context
EOF
  chmod 600 "$file"
}

write_kubeconfigs() {
  local pki=$state/pki
  kubeconfig "$state/admin.kubeconfig" grpcmesh-admin \
    "    client-certificate-data: $(b64 "$pki/admin.crt")
    client-key-data: $(b64 "$pki/admin.key")"
  kubeconfig "$state/viewer.kubeconfig" grpcmesh-viewer \
    "    client-certificate-data: $(b64 "$pki/viewer.crt")
    client-key-data: $(b64 "$pki/viewer.key")"
  kubeconfig "$state/token.kubeconfig" grpcmesh-token \
    "    token: $token"
}

# ---------------------------------------------------------------- processes

start_etcd() {
  mkdir -p -m 700 "$state/etcd" || return 1
  "$ETCD" --name grpcmesh-test --data-dir "$state/etcd" \
    --listen-client-urls "http://127.0.0.1:$etcd_port" --advertise-client-urls "http://127.0.0.1:$etcd_port" \
    --listen-peer-urls "http://127.0.0.1:$etcd_peer_port" --initial-advertise-peer-urls "http://127.0.0.1:$etcd_peer_port" \
    --initial-cluster "grpcmesh-test=http://127.0.0.1:$etcd_peer_port" \
    --unsafe-no-fsync --log-level warn --quota-backend-bytes 1073741824 \
    </dev/null >"$state/logs/etcd.log" 2>&1 &
  etcd_pid=$!
  echo "$etcd_pid" > "$state/etcd.pid"
  poll 30 "etcd on port $etcd_port" "$etcd_pid" curl -fsS "http://127.0.0.1:$etcd_port/health"
}

start_apiserver() {
  local pki=$state/pki
  "$KUBE_APISERVER" \
    --advertise-address=127.0.0.1 --bind-address=127.0.0.1 --secure-port="$api_port" \
    --etcd-servers="http://127.0.0.1:$etcd_port" \
    --cert-dir="$pki/apiserver" --tls-cert-file="$pki/apiserver.crt" --tls-private-key-file="$pki/apiserver.key" \
    --client-ca-file="$pki/ca.crt" --token-auth-file="$pki/tokens.csv" \
    --authorization-mode=Node,RBAC \
    --service-account-issuer=https://kubernetes.default.svc.cluster.local \
    --service-account-key-file="$pki/sa.pub" --service-account-signing-key-file="$pki/sa.key" \
    --service-cluster-ip-range=10.0.0.0/24 \
    --disable-admission-plugins=ServiceAccount --endpoint-reconciler-type=none \
    --allow-privileged=true --profiling=false --enable-priority-and-fairness=false \
    </dev/null >"$state/logs/kube-apiserver.log" 2>&1 &
  api_pid=$!
  echo "$api_pid" > "$state/kube-apiserver.pid"
  poll 90 "kube-apiserver on port $api_port" "$api_pid" \
    curl -fsS --cacert "$pki/ca.crt" --cert "$pki/admin.crt" --key "$pki/admin.key" "$server/readyz"
}

# (These run in `||` and `if` contexts, where set -e is off: every step that
# can fail says so with `|| return 1`.)
served() { kc get --raw "$1" | grep -q "\"name\":\"$2\""; }
all_established() {
  local states
  states=$(kc get crd -o jsonpath='{range .items[*]}{.status.conditions[?(@.type=="Established")].status}{"\n"}{end}') || return 1
  [ -n "$states" ] && ! grep -qv '^True$' <<<"$states"
}

install_crds() {
  # The two sets apply in parallel; each is one server-side apply.
  kc apply --server-side --force-conflicts -f "$ISTIO_CRDS" >"$state/logs/crds-istio.log" 2>&1 &
  local p1=$!
  kc apply --server-side --force-conflicts -f "$GATEWAY_API_CRDS" >"$state/logs/crds-gateway-api.log" 2>&1 &
  local p2=$! rc=0
  wait $p1 || { echo "$prog: applying the Istio CRDs failed:" >&2; tail -n 5 "$state/logs/crds-istio.log" >&2; rc=1; }
  wait $p2 || { echo "$prog: applying the Gateway API CRDs failed:" >&2; tail -n 5 "$state/logs/crds-gateway-api.log" >&2; rc=1; }
  [ $rc = 0 ] || return 1
  poll 60 "CRDs established" "" all_established || return 1
  poll 60 "networking.istio.io/v1 virtualservices" "" served /apis/networking.istio.io/v1 virtualservices || return 1
  poll 60 "gateway.networking.k8s.io/v1 grpcroutes" "" served /apis/gateway.networking.k8s.io/v1 grpcroutes
}

apply_rbac() {
  kc apply --server-side -f - >/dev/null <<'EOF'
# grpcmesh-viewer (client certificate, kubeconfig viewer.kubeconfig): may read
# namespaces, pods, services, endpoints, configmaps, deployments and the Istio
# and Gateway API resources; may not read secrets and may not write anything.
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: grpcmesh-viewer
rules:
- apiGroups: [""]
  resources: [namespaces, pods, services, endpoints, configmaps]
  verbs: [get, list, watch]
- apiGroups: [apps]
  resources: [deployments, replicasets]
  verbs: [get, list, watch]
- apiGroups: [discovery.k8s.io]
  resources: [endpointslices]
  verbs: [get, list, watch]
- apiGroups: [networking.istio.io, security.istio.io, gateway.networking.k8s.io, apiextensions.k8s.io,
    cert-manager.io]
  resources: ["*"]
  verbs: [get, list, watch]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: grpcmesh-viewer
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: grpcmesh-viewer
subjects:
- apiGroup: rbac.authorization.k8s.io
  kind: User
  name: grpcmesh-viewer
---
# grpcmesh-token-user (static bearer token, kubeconfig token.kubeconfig):
# cluster-admin, for tests of token authentication.
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: grpcmesh-token-user
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: cluster-admin
subjects:
- apiGroup: rbac.authorization.k8s.io
  kind: User
  name: grpcmesh-token-user
EOF
}

# ---------------------------------------------------------------- Istio simulation

# A simulated Istio install: real API objects, nothing runs (there are no
# nodes). Pod and Service status are patched through the status subresource.
istio_sim() {
  local version=${ISTIO_SIM_VERSION:-${VERSION_ISTIO:-1.31.0}} ip=${ISTIO_SIM_INGRESS_IP:-127.0.0.1}
  local pods=${ISTIO_SIM_GATEWAY_PODS:-2} i names=()
  {
    cat <<EOF
apiVersion: v1
kind: Namespace
metadata:
  name: istio-system
  labels:
    kubernetes.io/metadata.name: istio-system
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: istio
  namespace: istio-system
  labels: {app: istiod, istio.io/rev: default}
data:
  mesh: |-
    rootNamespace: istio-system
    trustDomain: cluster.local
    defaultConfig:
      discoveryAddress: istiod.istio-system.svc:15012
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: istiod
  namespace: istio-system
  labels: {app: istiod, istio: pilot, istio.io/rev: default, operator.istio.io/component: Pilot}
spec:
  replicas: 1
  selector:
    matchLabels: {app: istiod, istio: pilot}
  template:
    metadata:
      labels: {app: istiod, istio: pilot, istio.io/rev: default}
    spec:
      containers:
      - name: discovery
        image: docker.io/istio/pilot:$version
        ports:
        - {containerPort: 15010, protocol: TCP}
        - {containerPort: 15012, protocol: TCP}
        - {containerPort: 15017, protocol: TCP}
---
apiVersion: v1
kind: Service
metadata:
  name: istiod
  namespace: istio-system
  labels: {app: istiod, istio: pilot, istio.io/rev: default}
spec:
  selector: {app: istiod, istio: pilot}
  ports:
  - {name: grpc-xds, port: 15010, protocol: TCP}
  - {name: https-dns, port: 15012, protocol: TCP}
  - {name: https-webhook, port: 443, targetPort: 15017, protocol: TCP}
  - {name: http-monitoring, port: 15014, protocol: TCP}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: istio-ingressgateway
  namespace: istio-system
  labels: {app: istio-ingressgateway, istio: ingressgateway, istio.io/rev: default}
spec:
  replicas: $pods
  selector:
    matchLabels: {app: istio-ingressgateway, istio: ingressgateway}
  template:
    metadata:
      labels: {app: istio-ingressgateway, istio: ingressgateway, istio.io/rev: default}
    spec:
      containers:
      - name: istio-proxy
        image: docker.io/istio/proxyv2:$version
        ports:
        - {containerPort: 8080, protocol: TCP}
        - {containerPort: 8443, protocol: TCP}
        - {containerPort: 15021, protocol: TCP}
---
apiVersion: v1
kind: Service
metadata:
  name: istio-ingressgateway
  namespace: istio-system
  labels: {app: istio-ingressgateway, istio: ingressgateway, istio.io/rev: default}
spec:
  type: LoadBalancer
  selector: {istio: ingressgateway, app: istio-ingressgateway}
  ports:
  - {name: status-port, port: 15021, targetPort: 15021, protocol: TCP}
  - {name: http2, port: 80, targetPort: 8080, protocol: TCP}
  - {name: https, port: 443, targetPort: 8443, protocol: TCP}
EOF
    for i in $(seq 1 "$pods"); do
      cat <<EOF
---
apiVersion: v1
kind: Pod
metadata:
  name: istio-ingressgateway-sim-$i
  namespace: istio-system
  labels: {app: istio-ingressgateway, istio: ingressgateway, istio.io/rev: default}
spec:
  nodeName: grpcmesh-sim-node
  containers:
  - name: istio-proxy
    image: docker.io/istio/proxyv2:$version
    ports:
    - {containerPort: 8080, protocol: TCP}
    - {containerPort: 8443, protocol: TCP}
    - {containerPort: 15021, protocol: TCP}
EOF
    done
  } | kc apply --server-side -f - >"$state/logs/istio-sim.log" 2>&1 || {
    echo "$prog: applying the simulated Istio install failed:" >&2
    tail -n 5 "$state/logs/istio-sim.log" >&2
    return 1
  }

  local pod_ips=() ts conditions
  ts=$(date -u +%Y-%m-%dT%H:%M:%SZ)
  conditions="\"conditions\":[{\"type\":\"Available\",\"status\":\"True\",\"reason\":\"MinimumReplicasAvailable\",\"lastTransitionTime\":\"$ts\",\"lastUpdateTime\":\"$ts\"},{\"type\":\"Progressing\",\"status\":\"True\",\"reason\":\"NewReplicaSetAvailable\",\"lastTransitionTime\":\"$ts\",\"lastUpdateTime\":\"$ts\"}]"
  for i in $(seq 1 "$pods"); do
    pod_ips+=("10.244.0.$((10 + i))")
    kc patch -n istio-system pod "istio-ingressgateway-sim-$i" --subresource=status --type=merge -p "{\"status\":{
      \"phase\":\"Running\",\"hostIP\":\"127.0.0.1\",\"podIP\":\"${pod_ips[-1]}\",\"podIPs\":[{\"ip\":\"${pod_ips[-1]}\"}],
      \"startTime\":\"$ts\",
      \"conditions\":[{\"type\":\"PodScheduled\",\"status\":\"True\"},{\"type\":\"Initialized\",\"status\":\"True\"},
        {\"type\":\"ContainersReady\",\"status\":\"True\"},{\"type\":\"Ready\",\"status\":\"True\"}],
      \"containerStatuses\":[{\"name\":\"istio-proxy\",\"ready\":true,\"started\":true,\"restartCount\":0,
        \"image\":\"docker.io/istio/proxyv2:$version\",\"imageID\":\"\",\"state\":{\"running\":{\"startedAt\":\"$ts\"}}}]}}" \
      >>"$state/logs/istio-sim.log" 2>&1 &
    names+=($!)
  done
  kc patch -n istio-system service istio-ingressgateway --subresource=status --type=merge \
    -p "{\"status\":{\"loadBalancer\":{\"ingress\":[{\"ip\":\"$ip\"}]}}}" >>"$state/logs/istio-sim.log" 2>&1 &
  names+=($!)
  kc patch -n istio-system deployment istiod --subresource=status --type=merge \
    -p "{\"status\":{\"observedGeneration\":1,\"replicas\":1,\"readyReplicas\":1,\"availableReplicas\":1,\"updatedReplicas\":1,$conditions}}" \
    >>"$state/logs/istio-sim.log" 2>&1 &
  names+=($!)
  kc patch -n istio-system deployment istio-ingressgateway --subresource=status --type=merge \
    -p "{\"status\":{\"observedGeneration\":1,\"replicas\":$pods,\"readyReplicas\":$pods,\"availableReplicas\":$pods,\"updatedReplicas\":$pods,$conditions}}" \
    >>"$state/logs/istio-sim.log" 2>&1 &
  names+=($!)
  # No controller manager runs, so the gateway Service's EndpointSlice is ours too.
  {
    cat <<EOF
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: istio-ingressgateway-sim
  namespace: istio-system
  labels: {kubernetes.io/service-name: istio-ingressgateway, endpointslice.kubernetes.io/managed-by: grpcmesh-sim}
addressType: IPv4
ports:
- {name: status-port, port: 15021, protocol: TCP}
- {name: http2, port: 8080, protocol: TCP}
- {name: https, port: 8443, protocol: TCP}
endpoints:
EOF
    for i in $(seq 1 "$pods"); do
      cat <<EOF
- addresses: ["${pod_ips[$((i - 1))]}"]
  conditions: {ready: true, serving: true, terminating: false}
  nodeName: grpcmesh-sim-node
  targetRef: {kind: Pod, namespace: istio-system, name: istio-ingressgateway-sim-$i}
EOF
    done
  } | kc apply --server-side -f - >>"$state/logs/istio-sim.log" 2>&1 &
  names+=($!)
  local rc=0 p
  for p in "${names[@]}"; do wait "$p" || rc=1; done
  [ $rc = 0 ] || { echo "$prog: laying down the simulated Istio install failed:" >&2; tail -n 5 "$state/logs/istio-sim.log" >&2; return 1; }
}

# ---------------------------------------------------------------- istiod

# start_istiod: pilot-discovery as a local process against the API server
# (admin kubeconfig), as a default install runs it: namespace istio-system,
# revision default, the mesh config of the simulated install's ConfigMap
# (rootNamespace istio-system, trustDomain cluster.local), its self-signed CA.
# Every port it opens (HTTP with /ready and /debug, plaintext and TLS xDS,
# webhooks, monitoring, ControlZ) is a free one on 127.0.0.1.
# Its Gateway API controller runs as in a cluster: it creates GatewayClass
# istio, writes Gateway and route status (leader election on a Lease in
# istio-system, which it wins alone) and deploys a Gateway's Deployment,
# Service and ServiceAccount from the chart's kube-gateway template, which
# istiod reads, like the injection templates, from ./var/lib/istio/inject
# under its working directory (config and values, as the chart's
# istio-sidecar-injector ConfigMap holds them).
istiod_http="" istiod_xds="" istiod_secure_xds="" istiod_monitoring=""
start_istiod() {
  local dir=$state/istiod attempt http https grpc sgrpc mon ctrlz pid
  mkdir -p "$dir"
  kc get namespace istio-system >/dev/null 2>&1 || kc create namespace istio-system >/dev/null || return 1
  printf '%s\n' 'rootNamespace: istio-system' 'trustDomain: cluster.local' 'defaultConfig:' \
    '  discoveryAddress: istiod.istio-system.svc:15012' > "$dir/mesh.yaml"
  local tmpl=${ISTIO_SOURCE:-}/manifests/charts/istio-control/istio-discovery/files/kube-gateway.yaml
  [ -f "$tmpl" ] || { echo "$prog: --istiod: no $tmpl (ISTIO_SOURCE from the peers env file)" >&2; return 1; }
  mkdir -p "$dir/var/lib/istio/inject"
  { printf '%s\n' 'policy: enabled' 'defaultTemplates: [sidecar]' 'templates:' '  kube-gateway: |'
    sed 's/^/    /' "$tmpl"; } > "$dir/var/lib/istio/inject/config"
  printf '%s\n' 'global:' '  hub: docker.io/istio' "  tag: ${VERSION_ISTIO:-1.31.0-dev}" \
    '  istioNamespace: istio-system' > "$dir/var/lib/istio/inject/values"
  for attempt in 1 2 3; do
    read -r http https grpc sgrpc mon ctrlz <<<"$(free_ports 6)"
    (cd "$dir" && POD_NAMESPACE=istio-system POD_NAME=istiod-grpcmesh-test REVISION=default \
      exec "$ISTIOD" discovery --kubeconfig "$state/admin.kubeconfig" \
      --meshConfig "$dir/mesh.yaml" --networksConfig "$dir/meshNetworks.yaml" \
      --domain cluster.local --clusterID Kubernetes \
      --httpAddr "127.0.0.1:$http" --httpsAddr "127.0.0.1:$https" \
      --grpcAddr "127.0.0.1:$grpc" --secureGRPCAddr "127.0.0.1:$sgrpc" \
      --monitoringAddr "127.0.0.1:$mon" --ctrlz_address 127.0.0.1 --ctrlz_port "$ctrlz" \
      --shutdownDuration 1s \
      </dev/null >"$state/logs/istiod.log" 2>&1) &
    pid=$!
    echo "$pid" > "$state/istiod.pid"
    if poll 120 "istiod on port $http" "$pid" curl -fsS "http://127.0.0.1:$http/ready"; then
      istiod_http=127.0.0.1:$http istiod_xds=127.0.0.1:$grpc
      istiod_secure_xds=127.0.0.1:$sgrpc istiod_monitoring=127.0.0.1:$mon
      return 0
    fi
    stop_pid "$pid" "$ISTIOD"
    if [ $attempt -lt 3 ] && grep -q "address already in use" "$state/logs/istiod.log"; then
      echo "$prog: a port was taken meanwhile; retrying istiod on new ports" >&2
      continue
    fi
    return 1
  done
  return 1
}

# ---------------------------------------------------------------- cert-manager

# start_cert_manager: cert-manager's CRDs, its controller as a local process
# against the API server (admin kubeconfig; ClusterIssuers' Secrets in
# namespace cert-manager), then the issuers the tests use, each Ready as the
# controller reports it: ClusterIssuer grpcmesh-selfsigned (selfSigned), a CA
# Certificate it issues into istio-system, and Issuer grpcmesh-ca there
# signing with that CA. No webhook: the controllers do not need one.
start_cert_manager() {
  local pid
  kc apply --server-side --force-conflicts -f "$CERT_MANAGER_CRDS" >"$state/logs/crds-cert-manager.log" 2>&1 ||
    { echo "$prog: applying cert-manager's CRDs failed:" >&2; tail -n 5 "$state/logs/crds-cert-manager.log" >&2; return 1; }
  poll 60 "CRDs established" "" all_established || return 1
  poll 60 "cert-manager.io/v1 certificates" "" served /apis/cert-manager.io/v1 certificates || return 1
  local ns
  for ns in cert-manager istio-system; do
    kc get namespace "$ns" >/dev/null 2>&1 || kc create namespace "$ns" >/dev/null || return 1
  done
  "$CERT_MANAGER_CONTROLLER" --kubeconfig "$state/admin.kubeconfig" --cluster-resource-namespace cert-manager \
    </dev/null >"$state/logs/cert-manager.log" 2>&1 &
  pid=$!
  echo "$pid" > "$state/cert-manager.pid"
  kc apply --server-side -f - >>"$state/logs/cert-manager-issuers.log" 2>&1 <<'EOF' || return 1
apiVersion: cert-manager.io/v1
kind: ClusterIssuer
metadata:
  name: grpcmesh-selfsigned
spec:
  selfSigned: {}
---
apiVersion: cert-manager.io/v1
kind: Certificate
metadata:
  name: grpcmesh-test-ca
  namespace: istio-system
spec:
  isCA: true
  commonName: grpcmesh-test-issuing-ca
  secretName: grpcmesh-test-ca
  privateKey: {algorithm: ECDSA, size: 256}
  issuerRef: {group: cert-manager.io, kind: ClusterIssuer, name: grpcmesh-selfsigned}
---
apiVersion: cert-manager.io/v1
kind: Issuer
metadata:
  name: grpcmesh-ca
  namespace: istio-system
spec:
  ca:
    secretName: grpcmesh-test-ca
EOF
  poll 120 "ClusterIssuer grpcmesh-selfsigned Ready" "$pid" \
    kc wait --for=condition=Ready --timeout=5s clusterissuer/grpcmesh-selfsigned || return 1
  poll 120 "Certificate istio-system/grpcmesh-test-ca Ready" "$pid" \
    kc wait --for=condition=Ready --timeout=5s -n istio-system certificate/grpcmesh-test-ca || return 1
  poll 120 "Issuer istio-system/grpcmesh-ca Ready" "$pid" \
    kc wait --for=condition=Ready --timeout=5s -n istio-system issuer/grpcmesh-ca
}

# ---------------------------------------------------------------- env file

write_env() {
  {
    echo "# Written by tests/controlplane/controlplane.sh; KEY=VALUE, no quoting."
    grep -v '^#' "$peers_env"
    cat <<EOF
GRPCMESH_CP_STATE=$state
GRPCMESH_SERVER=$server
KUBECONFIG=$state/admin.kubeconfig
GRPCMESH_ADMIN_KUBECONFIG=$state/admin.kubeconfig
GRPCMESH_VIEWER_KUBECONFIG=$state/viewer.kubeconfig
GRPCMESH_VIEWER_USER=grpcmesh-viewer
GRPCMESH_TOKEN_KUBECONFIG=$state/token.kubeconfig
GRPCMESH_TOKEN_USER=grpcmesh-token-user
GRPCMESH_TOKEN=$token
GRPCMESH_CA_FILE=$state/pki/ca.crt
GRPCMESH_ADMIN_CERT=$state/pki/admin.crt
GRPCMESH_ADMIN_KEY=$state/pki/admin.key
GRPCMESH_ETCD_URL=http://127.0.0.1:$etcd_port
KUBECACHEDIR=$state/kube-cache
GRPCMESH_ISTIO_SIM=$istio_sim
EOF
    if [ "$istio_sim" = 1 ]; then
      echo "GRPCMESH_INGRESS_IP=${ISTIO_SIM_INGRESS_IP:-127.0.0.1}"
      echo "GRPCMESH_ISTIO_SIM_VERSION=${ISTIO_SIM_VERSION:-${VERSION_ISTIO:-1.31.0}}"
    fi
    if [ "$istiod" = 1 ]; then
      echo "GRPCMESH_ISTIOD=1"
      echo "GRPCMESH_ISTIOD_HTTP=$istiod_http"
      echo "GRPCMESH_ISTIOD_XDS=$istiod_xds"
      echo "GRPCMESH_ISTIOD_SECURE_XDS=$istiod_secure_xds"
      echo "GRPCMESH_ISTIOD_MONITORING=$istiod_monitoring"
    fi
    if [ "$cert_manager" = 1 ]; then
      echo "GRPCMESH_CERT_MANAGER=1"
      echo "GRPCMESH_CERT_MANAGER_CLUSTER_ISSUER=grpcmesh-selfsigned"
      echo "GRPCMESH_CERT_MANAGER_CA_ISSUER=grpcmesh-ca"
      echo "GRPCMESH_CERT_MANAGER_CA_ISSUER_NAMESPACE=istio-system"
    fi
  } > "$state/env.tmp"
  chmod 600 "$state/env.tmp"
  mv "$state/env.tmp" "$state/env"
}

# ---------------------------------------------------------------- start / stop

etcd_pid=""
api_pid=""
token=""

stop_processes() {
  local dir=$1 pid
  if [ -f "$dir/cert-manager.pid" ]; then
    pid=$(cat "$dir/cert-manager.pid")
    stop_pid "$pid" "${CERT_MANAGER_CONTROLLER:-}"
  fi
  if [ -f "$dir/istiod.pid" ]; then
    pid=$(cat "$dir/istiod.pid")
    stop_pid "$pid" "${ISTIOD:-}"
  fi
  if [ -f "$dir/kube-apiserver.pid" ]; then
    pid=$(cat "$dir/kube-apiserver.pid")
    stop_pid "$pid" "${KUBE_APISERVER:-}"
  fi
  if [ -f "$dir/etcd.pid" ]; then
    pid=$(cat "$dir/etcd.pid")
    stop_pid "$pid" "${ETCD:-}"
  fi
}

teardown() {
  [ -n "$state" ] && [ -d "$state" ] || return 0
  stop_processes "$state"
  rm -rf "$state"
}

# show_logs: on a failed start, the end of each component's log.
show_logs() {
  local f
  for f in "$state"/logs/*.log; do
    [ -s "$f" ] || continue
    echo "---- last lines of $(basename "$f"):" >&2
    tail -n 15 "$f" >&2
  done
}

start_plane() {
  local t0 t1 attempt
  t0=$(now)
  mkdir -p "$state/logs" "$state/kube-cache"
  make_pki
  # Free ports are picked, then bound by etcd and kube-apiserver; if another
  # process takes one in between, start over on new ports.
  local t_etcd t_api
  for attempt in 1 2 3; do
    read -r etcd_port etcd_peer_port api_port <<<"$(free_ports 3)"
    server="https://127.0.0.1:$api_port"
    t1=$(now)
    if start_etcd; then
      t_etcd=$(elapsed "$t1")
      t1=$(now)
      write_kubeconfigs
      if start_apiserver; then
        t_api=$(elapsed "$t1")
        break
      fi
    fi
    if [ $attempt -lt 3 ] && cat "$state"/logs/*.log | grep -q "address already in use"; then
      echo "$prog: a port was taken meanwhile; retrying on new ports" >&2
      stop_processes "$state"
      rm -rf "$state/etcd" "$state"/logs/*.log
      continue
    fi
    show_logs
    return 1
  done
  t1=$(now)
  apply_rbac &
  local rbac=$!
  install_crds || { show_logs; return 1; }
  wait $rbac || { echo "$prog: applying the RBAC for the viewer and token users failed" >&2; return 1; }
  local t_crds; t_crds=$(elapsed "$t1") t_sim=""
  if [ "$istio_sim" = 1 ]; then
    t1=$(now)
    istio_sim || return 1
    t_sim=", istio-sim $(elapsed "$t1")s"
  fi
  if [ "$istiod" = 1 ]; then
    t1=$(now)
    start_istiod || { echo "$prog: istiod did not become ready" >&2; show_logs; return 1; }
    t_sim+=", istiod $(elapsed "$t1")s"
  fi
  if [ "$cert_manager" = 1 ]; then
    t1=$(now)
    start_cert_manager || { echo "$prog: cert-manager's controller or its issuers did not become ready" >&2; show_logs; return 1; }
    t_sim+=", cert-manager $(elapsed "$t1")s"
  fi
  write_env
  echo "$prog: ready in $(elapsed "$t0")s (etcd ${t_etcd}s, kube-apiserver ${t_api}s, CRDs ${t_crds}s${t_sim}) at $server"
}

case $mode in
  start)
    [ -n "$state" ] || die "start needs --state-dir DIR"
    load_peers
    if [ -d "$state" ]; then
      stop_processes "$state"
      rm -rf "$state"
    fi
    mkdir -p "$state"
    state=$(cd "$state" && pwd)
    trap 'rc=$?; [ $rc = 0 ] || teardown; exit $rc' EXIT
    trap 'exit 130' INT TERM
    start_plane
    ;;
  stop)
    [ -n "$state" ] || die "stop needs --state-dir DIR"
    [ -d "$state" ] || exit 0
    state=$(cd "$state" && pwd)
    # Stop with the binaries the state was started with.
    if [ -f "$state/env" ]; then
      KUBE_APISERVER=$(sed -n 's/^KUBE_APISERVER=//p' "$state/env")
      ETCD=$(sed -n 's/^ETCD=//p' "$state/env")
      ISTIOD=$(sed -n 's/^ISTIOD=//p' "$state/env")
      CERT_MANAGER_CONTROLLER=$(sed -n 's/^CERT_MANAGER_CONTROLLER=//p' "$state/env")
    elif [ -f "$peers_env" ]; then
      load_peers
    fi
    teardown
    echo "$prog: stopped"
    ;;
  istio-sim)
    [ -n "$state" ] && [ -f "$state/env" ] || die "istio-sim needs --state-dir of a running control plane"
    state=$(cd "$state" && pwd)
    set -a; . "$state/env"; set +a
    server=$GRPCMESH_SERVER token=$GRPCMESH_TOKEN etcd_port=${GRPCMESH_ETCD_URL##*:}
    istio_sim=1
    istio_sim
    write_env
    ;;
  run|exec)
    [ -z "$state" ] || die "$mode uses a temporary state directory; --state-dir is for start/stop"
    [ "$mode" = run ] || [ ${#cmd[@]} -gt 0 ] || die "exec needs a command after --"
    load_peers
    state=$(mktemp -d "${TMPDIR:-/tmp}/grpcmesh-controlplane.XXXXXX")
    trap 'teardown' EXIT
    trap 'exit 130' INT TERM
    start_plane
    if [ "$mode" = exec ]; then
      set -a; . "$state/env"; set +a
      rc=0
      "${cmd[@]}" || rc=$?
      exit $rc
    fi
    cat <<EOF
The control plane runs until Ctrl-C. In another shell:
  export KUBECONFIG=$state/admin.kubeconfig KUBECACHEDIR=$state/kube-cache
  $KUBECTL get crd
Viewer (read-only) kubeconfig: $state/viewer.kubeconfig
Token user kubeconfig:         $state/token.kubeconfig
Everything else:               $state/env
EOF
    while kill -0 "$(cat "$state/etcd.pid")" 2>/dev/null && kill -0 "$(cat "$state/kube-apiserver.pid")" 2>/dev/null; do
      sleep 1 &
      wait $! || true
    done
    show_logs
    die "a control plane process exited"
    ;;
  *) echo "$prog: unknown mode '$mode' (run, exec, start, stop, istio-sim)" >&2; exit 2 ;;
esac
