#!/usr/bin/env bash
# The demo's walk-through, end to end: scripts/demo.sh --no-build (its own
# throwaway control plane with the simulated Istio install, a real istiod and
# the stand-in connected as the gateway pod) with the plugin and peers of
# BUILD_DIR. Passes when every step ran and the last one, check --deep,
# showed what istiod sent the gateway pod for the demo host: synced, its
# listener, the gRPC-Web filter before the router, and the route to the
# backend's HTTP/2 cluster.
#
# Usage: tests/demo/demo_test.sh BUILD_DIR
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${1:?usage: demo_test.sh BUILD_DIR}" && pwd)
# What the demo builds (a no-op when cached).
"$root/scripts/build-peers.sh" --quiet --only kubernetes,etcd,istiod,gateway-api --env-file "$build/peers.env"
out=$(mktemp)
trap 'rm -f "$out"' EXIT
rc=0
GRPCMESH_BUILD_DIR="$build" "$root/scripts/demo.sh" --no-build >"$out" 2>&1 </dev/null || rc=$?
cat "$out"
[ $rc = 0 ] || { echo "demo_test: scripts/demo.sh --no-build exited $rc" >&2; exit 1; }

failed=0
expect() {  # DESCRIPTION EXTENDED-REGEX: one line of the output must match
  if grep -Eq -- "$2" "$out"; then
    echo "demo_test: ok: $1"
  else
    echo "demo_test: FAILED: $1 (no line matches: $2)" >&2
    failed=$((failed + 1))
  fi
}
pod='istio-system/istio-ingressgateway-sim-1'
expect "the last step is check --deep against istiod's address" \
  '^\$ kubectl grpcmesh check --host grpc\.example\.com --deep --istiod-address 127\.0\.0\.1:[0-9]+ --fail-on none$'
expect "the demo says why --istiod-address" 'No kubelet runs here to port-forward through'
expect "istiod's view of the gateway pod: connected and synced" \
  "^  pod $pod: istiod 127\.0\.0\.1:[0-9]+, Istio [0-9.]+, .*LDS SYNCED.*RDS SYNCED"
expect "the host's listener and route configuration on the pod" \
  "^  grpc\.example\.com on $pod: listener [^ ]+ \(port 8443\), route configuration https\.443\."
expect "gRPC-Web before the router" '^    http filters: envoy\.filters\.http\.grpc_web, .*envoy\.filters\.http\.router$'
expect "the route to the backend's HTTP/2 cluster" \
  '^    prefix /helloworld\.Greeter/ -> outbound\|50051\|\|greeter\.apps\.svc\.cluster\.local \(HTTP/2\)'
expect "the walk-through ran to its end" '^Demo finished'
[ $failed = 0 ] || { echo "demo_test: $failed of 7 expectations failed" >&2; exit 1; }
