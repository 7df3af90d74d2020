#!/usr/bin/env bash
# The main job on a local control plane, from a fresh machine: installs the
# Debian packages, builds the plugin and the test peers, starts a throwaway
# Kubernetes control plane with a simulated Istio install and a real istiod,
# connects a stand-in for the gateway pod to istiod over xDS (Istio's own xDS
# client, as the simulated pod: the same workload), runs the walk-through
# below through real kubectl plugin discovery, and tears it all down.
#
# --no-build skips the packages, the peers and the plugin: they must be there
# already ($GRPCMESH_BUILD_DIR/peers.env and kubectl-grpcmesh; the demo test
# runs it so).
#
# To add a step, add a `step` line to walkthrough(): it prints the command,
# runs it and stops the demo if it fails.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${GRPCMESH_BUILD_DIR:-build}
case $build in /*) ;; *) build="$root/$build" ;; esac

# step DESCRIPTION CMD...: one visible step of the walk-through.
step() {
  local what=$1
  shift
  if [ -z "$what" ]; then
    printf '$ %s\n' "$*"
  elif [ -t 1 ]; then
    printf '\n\033[1m# %s\033[0m\n$ %s\n' "$what" "$*"
  else
    printf '\n# %s\n$ %s\n' "$what" "$*"
  fi
  "$@"
}

walkthrough() {
  local host=grpc.example.com
  step "The plugin, found by kubectl on PATH" \
    kubectl grpcmesh version
  step "A simulated Istio install: the ingress gateway Service and its pod, connected to a real istiod" \
    kubectl get service,pods -n istio-system -l istio=ingressgateway -o wide
  step "A gRPC backend: Service greeter in namespace apps, its port not named for HTTP/2" \
    kubectl create namespace apps
  step "" kubectl create service clusterip greeter --tcp=50051:50051 -n apps
  step "1. The Gateway for the host, in the ingress gateway pods' namespace" \
    kubectl grpcmesh init --host "$host"
  step "2. A self-signed certificate for the host, in the gateway workload's namespace" \
    kubectl grpcmesh tls --host "$host" --self-signed --ca-out "$bin/$host-ca.crt"
  step "3. Route helloworld.Greeter to greeter, and make its port HTTP/2-aware (appProtocol: grpc)" \
    kubectl grpcmesh expose greeter -n apps --host "$host" --grpc-service helloworld.Greeter
  step "4. Long-lived streams: no route timeout, upstream idle timeout and keepalives" \
    kubectl grpcmesh stream --host "$host"
  step "5. gRPC-Web for a browser app: the gateway filter and a CORS policy the preflight reaches" \
    kubectl grpcmesh web --host "$host" --allow-origin https://app.example.com
  step "6. The whole path checked (the simulated install has no running backend pods)" \
    kubectl grpcmesh check --host "$host" --fail-on none
  step "Running it again changes nothing" \
    kubectl grpcmesh expose greeter -n apps --host "$host" --grpc-service helloworld.Greeter
  # istiod pushes a change after its debounce; wait until the gateway pod has
  # the host's route, as a user would before looking.
  local i
  for i in $(seq 300); do
    grep -q "\"$host\"" "$bin"/xds-*.json 2>/dev/null && break
    sleep 0.1
  done
  step $'7. What istiod really sent the gateway pod for the host, checked hop by hop\n# (No kubelet runs here to port-forward through, so --istiod-address names istiod\'s address; on a cluster --deep finds istiod itself.)' \
    kubectl grpcmesh check --host "$host" --deep --istiod-address "$GRPCMESH_ISTIOD_HTTP" --fail-on none
}

# start_gateways: one stand-in per simulated gateway pod, connected to istiod
# over xDS as that pod; each rewrites $bin/xds-POD.json with what it holds.
gateways=()
start_gateways() {
  local pod i
  for pod in $(kubectl get pods -n istio-system -l istio=ingressgateway -o name); do
    pod=${pod#pod/}
    "$ISTIO_XDSCLIENT" --xds "$GRPCMESH_ISTIOD_XDS" --kubeconfig "$KUBECONFIG" --pod "istio-system/$pod" \
      --dump "$bin/xds-$pod.json" --istio-version "${GRPCMESH_ISTIO_SIM_VERSION:-1.31.0}" \
      >"$bin/xds-$pod.log" 2>&1 &
    gateways+=($!)
    for i in $(seq 600); do
      grep -q '^synced ' "$bin/xds-$pod.log" && break
      kill -0 "${gateways[-1]}" 2>/dev/null && [ "$i" -lt 600 ] ||
        { echo "demo: the stand-in for gateway pod $pod did not sync with istiod:" >&2; tail -n 5 "$bin/xds-$pod.log" >&2; return 1; }
      sleep 0.1
    done
  done
}
stop_gateways() {
  local pid
  for pid in "${gateways[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${gateways[@]}"; do wait "$pid" 2>/dev/null || true; done
}

if [ "${1:-}" = "--walkthrough" ]; then
  # Inside the control plane's environment (KUBECONFIG etc. are exported).
  bin=$(mktemp -d "${TMPDIR:-/tmp}/grpcmesh-demo.XXXXXX")
  trap 'stop_gateways; rm -rf "$bin"' EXIT
  ln -s "$KUBECTL" "$bin/kubectl"
  ln -s "$build/kubectl-grpcmesh" "$bin/kubectl-grpcmesh"
  ln -s "$build/kubectl-grpcmesh" "$bin/kubectl_complete-grpcmesh"
  export PATH="$bin:$PATH"
  start_gateways
  walkthrough
  printf '\nDemo finished; tearing the control plane down.\n'
  exit 0
fi

cd "$root"
if [ "${1:-}" = "--no-build" ]; then
  for f in "$build/peers.env" "$build/kubectl-grpcmesh"; do
    [ -e "$f" ] || { echo "demo: --no-build needs $f; run scripts/demo.sh once without it" >&2; exit 1; }
  done
elif [ -n "${1:-}" ]; then
  echo "demo: unknown argument '$1' (--no-build, or none)" >&2
  exit 2
else
  [ -x /usr/local/go/bin/go ] && ! command -v go >/dev/null && export PATH="$PATH:/usr/local/go/bin"
  echo "==> installing packages, building the peers and the plugin"
  t=$SECONDS
  scripts/install-deps.sh
  echo "timing: deps $((SECONDS - t))s"
  # Only what the demo runs: the API server, kubectl, etcd, the CRDs, istiod
  # and the stand-in gateway (no istioctl, grpcurl, krew, test server or
  # oracle: those are for the tests).
  t=$SECONDS
  scripts/build-peers.sh --quiet --only kubernetes,etcd,istiod,gateway-api --env-file "$build/peers.env"
  echo "timing: peers $((SECONDS - t))s"
  t=$SECONDS
  gen=()
  [ -f "$build/CMakeCache.txt" ] || gen=(-G Ninja)
  cmake -S . -B "$build" "${gen[@]}" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  cmake --build "$build" --target kubectl-grpcmesh >/dev/null
  echo "timing: plugin $((SECONDS - t))s"
fi
echo "==> starting a local control plane with a simulated Istio install and istiod"
# One simulated gateway pod, so one stand-in connects to istiod as it.
GRPCMESH_BUILD_DIR="$build" ISTIO_SIM_GATEWAY_PODS=1 exec tests/controlplane/controlplane.sh exec --istio-sim --istiod \
  --peers-env "$build/peers.env" -- "$root/scripts/demo.sh" --walkthrough
