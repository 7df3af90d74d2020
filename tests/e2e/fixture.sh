#!/usr/bin/env bash
# The ctest fixture of the e2e tests: `start BUILD_DIR` makes sure the peers
# are built (a no-op when cached) and starts the control plane with the
# simulated Istio install, state in BUILD_DIR/e2e-controlplane; `stop
# BUILD_DIR` tears it down. `start-istiod` and `stop-istiod` do the same for a
# second control plane that also runs a real istiod (controlplane.sh --istiod),
# state in BUILD_DIR/e2e-controlplane-istiod; `start-cert-manager` and
# `stop-cert-manager` for a third one running cert-manager's controller
# (controlplane.sh --cert-manager), state in
# BUILD_DIR/e2e-controlplane-cert-manager. tests/e2e/CMakeLists.txt registers
# them.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
usage="usage: fixture.sh start|stop|start-istiod|stop-istiod|start-cert-manager|stop-cert-manager BUILD_DIR"
mode=${1:?$usage}
build=$(cd "${2:?$usage}" && pwd)
state="$build/e2e-controlplane"
case $mode in
  start)
    "$root/scripts/build-peers.sh" --quiet --env-file "$build/peers.env"
    exec "$root/tests/controlplane/controlplane.sh" start --state-dir "$state" --peers-env "$build/peers.env" --istio-sim ;;
  stop)
    exec "$root/tests/controlplane/controlplane.sh" stop --state-dir "$state" --peers-env "$build/peers.env" ;;
  start-istiod)
    "$root/scripts/build-peers.sh" --quiet --env-file "$build/peers.env"
    exec "$root/tests/controlplane/controlplane.sh" start --state-dir "$state-istiod" --peers-env "$build/peers.env" --istio-sim --istiod ;;
  stop-istiod)
    exec "$root/tests/controlplane/controlplane.sh" stop --state-dir "$state-istiod" --peers-env "$build/peers.env" ;;
  start-cert-manager)
    "$root/scripts/build-peers.sh" --quiet --env-file "$build/peers.env"
    exec "$root/tests/controlplane/controlplane.sh" start --state-dir "$state-cert-manager" --peers-env "$build/peers.env" \
      --istio-sim --cert-manager ;;
  stop-cert-manager)
    exec "$root/tests/controlplane/controlplane.sh" stop --state-dir "$state-cert-manager" --peers-env "$build/peers.env" ;;
  *) echo "fixture.sh: unknown mode '$mode' (start, stop, start-istiod, stop-istiod, start-cert-manager or stop-cert-manager)" >&2; exit 2 ;;
esac
