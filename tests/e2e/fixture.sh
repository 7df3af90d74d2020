#!/usr/bin/env bash
# The ctest fixture of the e2e tests: `start BUILD_DIR` makes sure the peers
# are built (a no-op when cached) and starts the control plane with the
# simulated Istio install, state in BUILD_DIR/e2e-controlplane; `stop
# BUILD_DIR` tears it down. tests/e2e/CMakeLists.txt registers both.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
mode=${1:?usage: fixture.sh start|stop BUILD_DIR}
build=$(cd "${2:?usage: fixture.sh start|stop BUILD_DIR}" && pwd)
state="$build/e2e-controlplane"
case $mode in
  start)
    "$root/scripts/build-peers.sh" --quiet --env-file "$build/peers.env"
    exec "$root/tests/controlplane/controlplane.sh" start --state-dir "$state" --peers-env "$build/peers.env" --istio-sim ;;
  stop)
    exec "$root/tests/controlplane/controlplane.sh" stop --state-dir "$state" --peers-env "$build/peers.env" ;;
  *) echo "fixture.sh: unknown mode '$mode' (start or stop)" >&2; exit 2 ;;
esac
