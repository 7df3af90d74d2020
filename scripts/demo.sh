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
  if [ -t 1 ]; then
    printf '\n\033[1m# %s\033[0m\n$ %s\n' "$what" "$*"
  else
    printf '\n# %s\n$ %s\n' "$what" "$*"
  fi
  "$@"
}

walkthrough() {
  step "The plugin, found by kubectl on PATH" \
    kubectl grpcmesh version
  step "The control plane serves Istio's and Gateway API's APIs" \
    kubectl api-resources --api-group=networking.istio.io
  step "A simulated Istio install: the ingress gateway Service and its pods" \
    kubectl get service,pods -n istio-system -l istio=ingressgateway -o wide
  step "istiod, whose image tag carries the Istio version" \
    kubectl get deployment -n istio-system istiod -o wide
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
scripts/build-peers.sh --quiet --env-file "$build/peers.env"
gen=()
[ -f "$build/CMakeCache.txt" ] || gen=(-G Ninja)
cmake -S . -B "$build" "${gen[@]}" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" --target kubectl-grpcmesh >/dev/null
echo "==> starting a local control plane with a simulated Istio install"
GRPCMESH_BUILD_DIR="$build" exec tests/controlplane/controlplane.sh exec --istio-sim --peers-env "$build/peers.env" \
  -- "$root/scripts/demo.sh" --walkthrough
