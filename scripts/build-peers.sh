#!/usr/bin/env bash
# Builds the test peers from the Go module proxy into a cache outside the
# repository, keyed by version:
#   $GRPCMESH_CACHE (default ${XDG_CACHE_HOME:-$HOME/.cache}/kubectl-grpcmesh)
#     peers/kubernetes-<v>/   kube-apiserver, kubectl
#     peers/etcd-<v>/         etcd
#     peers/istio-<v>/        istioctl, crds/crd-all.gen.yaml
#     peers/istio-oracle-<h>/ istio-oracle (h: hash of tests/peers/istio/oracle
#                             and the module's go.mod/go.sum), built right after
#                             istioctl from the same module and build cache
#     peers/gateway-api-<v>/  crds/standard/*.yaml
#     peers/grpcurl-<v>/      grpcurl
#     peers/krew-<v>/         krew (installs the release archive from its manifest)
#     peers/testserver-<h>/   testserver (h: hash of tests/testserver sources)
# Versions come from the wrapper modules' go.mod files (tests/peers/*), so a
# bump builds into a new directory. A peer whose directory is complete (its
# stamp matches go.mod, go.sum, the Go version and the build flags) is skipped.
# At most two builds run at a time. Writes an env file naming every binary and
# CRD location (default $GRPCMESH_CACHE/peers.env) and prints it.
#
# Usage: scripts/build-peers.sh [--env-file PATH] [--quiet]
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cache=${GRPCMESH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kubectl-grpcmesh}
env_file=""
quiet=0
while [ $# -gt 0 ]; do
  case $1 in
    --env-file) env_file=${2:?build-peers: --env-file needs a path}; shift 2 ;;
    --quiet) quiet=1; shift ;;
    -h|--help) sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "build-peers: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
env_file=${env_file:-$cache/peers.env}
case "$cache$env_file" in
  *[[:space:]\'\"\$\\]*) echo "build-peers: cache and env file paths may not contain spaces, quotes, \$ or \\" >&2; exit 1 ;;
esac
command -v go >/dev/null || [ ! -x /usr/local/go/bin/go ] || export PATH="$PATH:/usr/local/go/bin"
command -v go >/dev/null || { echo "build-peers: go not found on PATH (Go 1.26 or newer is needed)" >&2; exit 1; }

export CGO_ENABLED=0 GOTOOLCHAIN=local GOFLAGS=-buildvcs=false
gobuild=(go build -trimpath)
goversion=$(go env GOVERSION)
peers="$cache/peers"
logs="$cache/logs"
mkdir -p "$peers" "$logs"

# modversion DIR MODULE: the version DIR/go.mod requires of MODULE.
modversion() {
  awk -v m="$2" '$1 == "require" && $2 == m { print $3; exit } $1 == m && $2 ~ /^v/ { print $2; exit }' "$1/go.mod"
}
# moddir DIR MODULE: where the module cache holds MODULE for DIR's go.mod.
moddir() { (cd "$1" && go mod download "$2" && go list -m -f '{{.Dir}}' "$2"); }

srcdir() { echo "$root/tests/peers/$1"; }
k8s_version=$(modversion "$(srcdir kubernetes)" k8s.io/kubernetes)
etcd_version=$(modversion "$(srcdir etcd)" go.etcd.io/etcd/server/v3)
istio_version=$(modversion "$(srcdir istio)" istio.io/istio)
istio_api_version=$(modversion "$(srcdir istio)" istio.io/api)
gwapi_version=$(modversion "$(srcdir gateway-api)" sigs.k8s.io/gateway-api)
grpcurl_version=$(modversion "$(srcdir grpcurl)" github.com/fullstorydev/grpcurl)
krew_version=$(modversion "$(srcdir krew)" sigs.k8s.io/krew)
testserver_hash=$(cd "$root/tests/testserver" &&
  find . -type f \( -name '*.go' -o -name '*.proto' -o -name go.mod -o -name go.sum \) | LC_ALL=C sort |
  xargs sha256sum | sha256sum | cut -c1-16)
oracle_hash=$(cd "$root/tests/peers/istio" &&
  find oracle go.mod go.sum -type f | LC_ALL=C sort | xargs sha256sum | sha256sum | cut -c1-16)
for v in k8s_version etcd_version istio_version istio_api_version gwapi_version grpcurl_version krew_version; do
  [ -n "${!v}" ] || { echo "build-peers: cannot read ${v%_version} version from tests/peers/*/go.mod" >&2; exit 1; }
done
# Istio's release number (1.31.0) from the istio.io/api version it builds with.
istio_release=$(echo "$istio_api_version" | sed -E 's/^v([0-9]+\.[0-9]+\.[0-9]+).*/\1/')
k8s_minor=$(echo "$k8s_version" | cut -d. -f2)

# Build flags per peer. Version stamps go in with -X so the binaries report
# the release they were built from (kubectl version, the API server's /version).
k8s_ldflags="-s -w"
for pkg in k8s.io/client-go/pkg/version k8s.io/component-base/version; do
  k8s_ldflags+=" -X $pkg.gitVersion=$k8s_version -X $pkg.gitMajor=1 -X $pkg.gitMinor=$k8s_minor"
  k8s_ldflags+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=1970-01-01T00:00:00Z"
done
istio_ldflags="-s -w -X istio.io/istio/pkg/version.buildVersion=$istio_release-dev+${istio_version##*-}"
grpcurl_ldflags="-s -w -X main.version=$grpcurl_version"

# stamp NAME SRC FLAGS...: what a complete build of NAME must match.
stamp() {
  local name=$1 src=$2; shift 2
  { echo "$name"; echo "$goversion"; echo "$*"; cat "$src/go.mod" "$src/go.sum"; } | sha256sum | cut -c1-64
}

declare -A dirs
dirs[kubernetes]="$peers/kubernetes-$k8s_version"
dirs[etcd]="$peers/etcd-$etcd_version"
dirs[istio]="$peers/istio-$istio_version"
dirs[gateway-api]="$peers/gateway-api-$gwapi_version"
dirs[grpcurl]="$peers/grpcurl-$grpcurl_version"
dirs[krew]="$peers/krew-$krew_version"
dirs[testserver]="$peers/testserver-$testserver_hash"
dirs[oracle]="$peers/istio-oracle-$oracle_hash"

# build_peer NAME: builds one peer into a temp dir next to its final place and
# renames it into place when complete, so an interrupted build leaves nothing
# that looks finished.
build_peer() {
  local name=$1 out=${dirs[$1]} src want tmp
  case $name in
    testserver) src="$root/tests/testserver" ;;
    oracle) src=$(srcdir istio) ;;
    *) src=$(srcdir "$name") ;;
  esac
  case $name in
    kubernetes) want=$(stamp "$name" "$src" "$k8s_ldflags") ;;
    istio) want=$(stamp "$name" "$src" "$istio_ldflags") ;;
    grpcurl) want=$(stamp "$name" "$src" "$grpcurl_ldflags") ;;
    oracle) want=$(stamp "$name" "$src" "-s -w $oracle_hash") ;;
    *) want=$(stamp "$name" "$src" "-s -w") ;;
  esac
  if [ -f "$out/.stamp" ] && [ "$(cat "$out/.stamp")" = "$want" ]; then
    [ "$quiet" = 1 ] || echo "peers: $(basename "$out") cached"
    return 0
  fi
  local start=$SECONDS
  tmp="$out.tmp.$$"
  rm -rf "$tmp" && mkdir -p "$tmp"
  (
    cd "$src"
    case $name in
      kubernetes)
        "${gobuild[@]}" -ldflags="$k8s_ldflags" -o "$tmp/" k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kubectl ;;
      etcd)
        "${gobuild[@]}" -ldflags="-s -w" -o "$tmp/etcd" . ;;
      istio)
        "${gobuild[@]}" -ldflags="$istio_ldflags" -o "$tmp/" istio.io/istio/istioctl/cmd/istioctl
        mkdir -p "$tmp/crds"
        cp "$(moddir "$src" istio.io/istio)/manifests/charts/base/files/crd-all.gen.yaml" "$tmp/crds/" ;;
      gateway-api)
        mkdir -p "$tmp/crds/standard"
        cp "$(moddir "$src" sigs.k8s.io/gateway-api)"/config/crd/standard/*.yaml "$tmp/crds/standard/" ;;
      grpcurl)
        "${gobuild[@]}" -ldflags="$grpcurl_ldflags" -o "$tmp/" github.com/fullstorydev/grpcurl/cmd/grpcurl ;;
      krew)
        "${gobuild[@]}" -ldflags="-s -w" -o "$tmp/" sigs.k8s.io/krew/cmd/krew ;;
      testserver)
        "${gobuild[@]}" -ldflags="-s -w" -o "$tmp/testserver" . ;;
      oracle)
        # A test binary: Istio's simulation needs a *testing.T.
        go test -trimpath -ldflags="-s -w" -c -o "$tmp/istio-oracle" ./oracle ;;
    esac
  ) >"$logs/$name.log" 2>&1 || {
    echo "build-peers: building $name failed; last lines of $logs/$name.log:" >&2
    tail -n 20 "$logs/$name.log" >&2
    rm -rf "$tmp"
    return 1
  }
  chmod -R u+w "$tmp"
  echo "$want" > "$tmp/.stamp"
  rm -rf "$out" && mv "$tmp" "$out"
  echo "peers: $(basename "$out") built in $((SECONDS - start))s"
}

# Longest first: two build slots keep both cores busy.
order=(kubernetes istio etcd grpcurl krew testserver gateway-api)
pids=()
# kill_tree PID: stops a build job and the go processes it started.
kill_tree() {
  local child
  for child in $(ps -o pid= --ppid "$1" 2>/dev/null); do kill_tree "$child"; done
  kill "$1" 2>/dev/null || true
}
cleanup() {
  local pid
  for pid in "${pids[@]}"; do kill_tree "$pid"; done
  wait 2>/dev/null || true
  rm -rf "$peers"/*.tmp.$$
}
trap cleanup EXIT
trap 'exit 130' INT TERM

total_start=$SECONDS
failed=0
running=()
for name in "${order[@]}"; do
  while [ ${#running[@]} -ge 2 ]; do
    wait -n || failed=1
    still=()
    for pid in "${running[@]}"; do kill -0 "$pid" 2>/dev/null && still+=("$pid"); done
    running=("${still[@]}")
  done
  [ "$failed" = 0 ] || break
  case $name in
    # The oracle compiles much of what istioctl does: build it after
    # istioctl in the same slot, so it finds those packages in the cache.
    istio) { build_peer istio && build_peer oracle; } & ;;
    *) build_peer "$name" & ;;
  esac
  pids+=($!)
  running+=($!)
done
for pid in "${running[@]}"; do wait "$pid" || failed=1; done
pids=()
[ "$failed" = 0 ] || { echo "build-peers: a peer failed to build" >&2; exit 1; }

mkdir -p "$(dirname "$env_file")"
cat > "$env_file.tmp.$$" <<EOF
# Written by scripts/build-peers.sh: the test peers' binaries and CRDs.
# (No ETCD_* names: etcd reads those from its environment as settings.)
VERSION_KUBERNETES=$k8s_version
VERSION_ETCD=$etcd_version
VERSION_ISTIO=$istio_release
VERSION_ISTIO_MODULE=$istio_version
VERSION_GATEWAY_API=$gwapi_version
VERSION_GRPCURL=$grpcurl_version
VERSION_KREW=$krew_version
KUBE_APISERVER=${dirs[kubernetes]}/kube-apiserver
KUBECTL=${dirs[kubernetes]}/kubectl
ETCD=${dirs[etcd]}/etcd
ISTIOCTL=${dirs[istio]}/istioctl
GRPCURL=${dirs[grpcurl]}/grpcurl
KREW=${dirs[krew]}/krew
GRPCMESH_TESTSERVER=${dirs[testserver]}/testserver
ISTIO_ORACLE=${dirs[oracle]}/istio-oracle
ISTIO_SOURCE=$(moddir "$(srcdir istio)" istio.io/istio)
ISTIO_CRDS=${dirs[istio]}/crds/crd-all.gen.yaml
GATEWAY_API_CRDS=${dirs[gateway-api]}/crds/standard
EOF
mv "$env_file.tmp.$$" "$env_file"
if [ "$quiet" = 1 ]; then
  echo "peers: ready in $((SECONDS - total_start))s ($env_file)"
else
  echo "peers: ready in $((SECONDS - total_start))s; $env_file:"
  grep -v '^#' "$env_file" | sed 's/^/  /'
fi
