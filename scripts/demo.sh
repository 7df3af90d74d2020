#!/usr/bin/env bash
# The main job on a local control plane, from a fresh machine: installs the
# Debian packages, builds the plugin and the test peers, starts a throwaway
# Kubernetes control plane with a simulated Istio install, runs the walk-
# through below through real kubectl plugin discovery, and tears it all down.
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
  step "A simulated Istio install: the ingress gateway Service and its pods" \
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
}

if [ "${1:-}" = "--walkthrough" ]; then
  # Inside the control plane's environment (KUBECONFIG etc. are exported).
  bin=$(mktemp -d "${TMPDIR:-/tmp}/grpcmesh-demo.XXXXXX")
  trap 'rm -rf "$bin"' EXIT
  ln -s "$KUBECTL" "$bin/kubectl"
  ln -s "$build/kubectl-grpcmesh" "$bin/kubectl-grpcmesh"
  ln -s "$build/kubectl-grpcmesh" "$bin/kubectl_complete-grpcmesh"
  export PATH="$bin:$PATH"
  walkthrough
  printf '\nDemo finished; tearing the control plane down.\n'
  exit 0
fi

cd "$root"
[ -x /usr/local/go/bin/go ] && ! command -v go >/dev/null && export PATH="$PATH:/usr/local/go/bin"
echo "==> installing packages, building the peers and the plugin"
scripts/install-deps.sh
# Only what the demo runs: the API server, kubectl, etcd and the CRDs (no
# istioctl, grpcurl, krew, test server or oracle: those are for the tests).
scripts/build-peers.sh --quiet --only kubernetes,etcd,istio-crds,gateway-api --env-file "$build/peers.env"
gen=()
[ -f "$build/CMakeCache.txt" ] || gen=(-G Ninja)
cmake -S . -B "$build" "${gen[@]}" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" --target kubectl-grpcmesh >/dev/null
echo "==> starting a local control plane with a simulated Istio install"
GRPCMESH_BUILD_DIR="$build" exec tests/controlplane/controlplane.sh exec --istio-sim --peers-env "$build/peers.env" \
  -- "$root/scripts/demo.sh" --walkthrough
