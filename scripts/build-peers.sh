#!/usr/bin/env bash
# Builds the test peers from the Go module proxy into a cache outside the
# repository, keyed by version:
#   $GRPCMESH_CACHE (default ${XDG_CACHE_HOME:-$HOME/.cache}/kubectl-grpcmesh)
#     peers/kubernetes-<v>/   kube-apiserver, kubectl
#     peers/etcd-<v>/         etcd
#     peers/istio-<v>/        istioctl, pilot-discovery (istiod), xdsclient (a
#                             stand-in gateway on istiod's xDS port, from
#                             tests/peers/istio/xdsclient), all three from one
#                             go build; crds/crd-all.gen.yaml
#     peers/istiod-<v>/       pilot-discovery and xdsclient alone, from one go
#                             build, and crds/crd-all.gen.yaml (only with
#                             --only, for the demo; when istio is asked for
#                             too, or is complete already, istio's are used)
#     peers/istio-crds-<v>/   crds/crd-all.gen.yaml alone (only with --only)
#     peers/istio-oracle-<h>/ istio-oracle (h: hash of tests/peers/istio/oracle
#                             and the module's go.mod/go.sum), built right after
#                             istioctl from the same module and build cache
#     peers/gateway-api-<v>/  crds/standard/*.yaml
#     peers/cert-manager-<v>/ cert-manager-controller (cert-manager's certificate,
#                             issuer and self-signed/CA controllers, wired by
#                             tests/peers/cert-manager/main.go); crds/*.yaml
#     peers/grpcurl-<v>/      grpcurl
#     peers/krew-<v>/         krew (installs the release archive from its manifest)
#     peers/testserver-<h>/   testserver (h: hash of tests/testserver sources)
# Versions come from the wrapper modules' go.mod files (tests/peers/*), so a
# bump builds into a new directory. A peer whose directory is complete (its
# stamp matches go.mod, go.sum, the Go version and the build flags) is skipped.
# At most two builds run at a time. Writes an env file naming every binary and
# CRD location (default $GRPCMESH_CACHE/peers.env) and prints it.
# --only LIST builds just the named peers (comma-separated: kubernetes, etcd,
# istio, istiod, istio-crds, oracle, gateway-api, grpcurl, krew, testserver,
# cert-manager); the env
# file then names every peer whose directory is complete, built now or before.
#
# Usage: scripts/build-peers.sh [--env-file PATH] [--quiet] [--only LIST]
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cache=${GRPCMESH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kubectl-grpcmesh}
env_file=""
quiet=0
only=""
while [ $# -gt 0 ]; do
  case $1 in
    --env-file) env_file=${2:?build-peers: --env-file needs a path}; shift 2 ;;
    --quiet) quiet=1; shift ;;
    --only) only=${2:?build-peers: --only needs a comma-separated list of peers}; shift 2 ;;
    -h|--help) sed -n '2,36p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
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
certmanager_version=$(modversion "$(srcdir cert-manager)" github.com/cert-manager/cert-manager)
certmanager_hash=$(sha256sum "$(srcdir cert-manager)/main.go" | cut -c1-16)
testserver_hash=$(cd "$root/tests/testserver" &&
  find . -type f \( -name '*.go' -o -name '*.proto' -o -name go.mod -o -name go.sum \) | LC_ALL=C sort |
  xargs sha256sum | sha256sum | cut -c1-16)
xdsclient_hash=$(cd "$root/tests/peers/istio" &&
  find xdsclient -type f | LC_ALL=C sort | xargs sha256sum | sha256sum | cut -c1-16)
oracle_hash=$(cd "$root/tests/peers/istio" &&
  find oracle go.mod go.sum -type f | LC_ALL=C sort | xargs sha256sum | sha256sum | cut -c1-16)
for v in k8s_version etcd_version istio_version istio_api_version gwapi_version grpcurl_version krew_version \
  certmanager_version; do
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
dirs[istiod]="$peers/istiod-$istio_version"
dirs[istio-crds]="$peers/istio-crds-$istio_version"
dirs[gateway-api]="$peers/gateway-api-$gwapi_version"
dirs[grpcurl]="$peers/grpcurl-$grpcurl_version"
dirs[krew]="$peers/krew-$krew_version"
dirs[testserver]="$peers/testserver-$testserver_hash"
dirs[oracle]="$peers/istio-oracle-$oracle_hash"
dirs[cert-manager]="$peers/cert-manager-$certmanager_version"

# peer_src NAME: the Go module NAME is built from.
peer_src() {
  case $1 in
    testserver) echo "$root/tests/testserver" ;;
    oracle|istio-crds|istiod) srcdir istio ;;
    *) srcdir "$1" ;;
  esac
}
# want_stamp NAME: the stamp a complete build of NAME has.
want_stamp() {
  local src
  src=$(peer_src "$1")
  case $1 in
    kubernetes) stamp "$1" "$src" "$k8s_ldflags" ;;
    istio|istiod) stamp "$1" "$src" "$istio_ldflags xdsclient-$xdsclient_hash" ;;
    grpcurl) stamp "$1" "$src" "$grpcurl_ldflags" ;;
    oracle) stamp "$1" "$src" "-s -w $oracle_hash" ;;
    cert-manager) stamp "$1" "$src" "-s -w main-$certmanager_hash" ;;
    *) stamp "$1" "$src" "-s -w" ;;
  esac
}
# complete NAME: whether NAME's directory holds a finished build.
complete() { [ -f "${dirs[$1]}/.stamp" ] && [ "$(cat "${dirs[$1]}/.stamp")" = "$(want_stamp "$1")" ]; }

# build_peer NAME: builds one peer into a temp dir next to its final place and
# renames it into place when complete, so an interrupted build leaves nothing
# that looks finished.
build_peer() {
  local name=$1 out=${dirs[$1]} src want tmp
  src=$(peer_src "$name")
  want=$(want_stamp "$name")
  if [ -f "$out/.stamp" ] && [ "$(cat "$out/.stamp")" = "$want" ]; then
    [ "$quiet" = 1 ] || echo "peers: $(basename "$out") cached"
    return 0
  fi
  # istio holds istiod's binaries too: never compile them twice.
  if [ "$name" = istiod ] && complete istio; then
    [ "$quiet" = 1 ] || echo "peers: istiod from $(basename "${dirs[istio]}")"
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
        # One build for the three binaries: they share most packages.
        "${gobuild[@]}" -ldflags="$istio_ldflags" -o "$tmp/" istio.io/istio/istioctl/cmd/istioctl \
          istio.io/istio/pilot/cmd/pilot-discovery ./xdsclient
        mkdir -p "$tmp/crds"
        cp "$(moddir "$src" istio.io/istio)/manifests/charts/base/files/crd-all.gen.yaml" "$tmp/crds/" ;;
      istiod)
        # What the demo runs of Istio: istiod and the stand-in gateway.
        "${gobuild[@]}" -ldflags="$istio_ldflags" -o "$tmp/" istio.io/istio/pilot/cmd/pilot-discovery ./xdsclient
        mkdir -p "$tmp/crds"
        cp "$(moddir "$src" istio.io/istio)/manifests/charts/base/files/crd-all.gen.yaml" "$tmp/crds/" ;;
      istio-crds)
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
      cert-manager)
        "${gobuild[@]}" -ldflags="-s -w" -o "$tmp/cert-manager-controller" .
        mkdir -p "$tmp/crds"
        cp "$(moddir "$src" github.com/cert-manager/cert-manager)"/deploy/crds/*.yaml "$tmp/crds/" ;;
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
order=(kubernetes istio cert-manager etcd grpcurl krew testserver gateway-api)
if [ -n "$only" ]; then
  for name in ${only//,/ }; do
    [ -n "${dirs[$name]:-}" ] || { echo "build-peers: unknown peer '$name' in --only (known: ${!dirs[*]})" >&2; exit 2; }
  done
  # In the same order; the oracle goes with istio when both are asked for,
  # and istio's build holds istiod's binaries.
  chosen=()
  for name in kubernetes istiod "${order[@]:1}" oracle istio-crds; do
    case ",$only," in *",$name,"*) chosen+=("$name") ;; esac
  done
  if [[ ",$only," == *,istio,* ]]; then
    for i in "${!chosen[@]}"; do [ "${chosen[$i]}" != istiod ] || unset 'chosen[i]'; done
    chosen=("${chosen[@]}")
  fi
  order=("${chosen[@]}")
fi
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
    istio)
      if [[ ",${only:-oracle}," == *,oracle,* ]]; then
        { build_peer istio && build_peer oracle; } &
      else
        build_peer istio &
      fi ;;
    oracle) [[ ",$only," == *,istio,* ]] && continue; build_peer oracle & ;;
    *) build_peer "$name" & ;;
  esac
  pids+=($!)
  running+=($!)
done
for pid in "${running[@]}"; do wait "$pid" || failed=1; done
pids=()
[ "$failed" = 0 ] || { echo "build-peers: a peer failed to build" >&2; exit 1; }

# The env file names the peers whose directories are complete: all of them
# after a full build, the chosen ones (and any built before) with --only.
have() { complete "$1"; }
istio_crds="" istiod_dir=""
if have istio; then
  istio_crds=${dirs[istio]}/crds/crd-all.gen.yaml
  istiod_dir=${dirs[istio]}
elif have istiod; then
  istio_crds=${dirs[istiod]}/crds/crd-all.gen.yaml
  istiod_dir=${dirs[istiod]}
elif have istio-crds; then
  istio_crds=${dirs[istio-crds]}/crds/crd-all.gen.yaml
fi
mkdir -p "$(dirname "$env_file")"
{
  echo "# Written by scripts/build-peers.sh: the test peers' binaries and CRDs."
  echo "# (No ETCD_* names: etcd reads those from its environment as settings.)"
  echo "VERSION_KUBERNETES=$k8s_version"
  echo "VERSION_ETCD=$etcd_version"
  echo "VERSION_ISTIO=$istio_release"
  echo "VERSION_ISTIO_MODULE=$istio_version"
  echo "VERSION_GATEWAY_API=$gwapi_version"
  echo "VERSION_GRPCURL=$grpcurl_version"
  echo "VERSION_KREW=$krew_version"
  echo "VERSION_CERT_MANAGER=$certmanager_version"
  if have kubernetes; then
    echo "KUBE_APISERVER=${dirs[kubernetes]}/kube-apiserver"
    echo "KUBECTL=${dirs[kubernetes]}/kubectl"
  fi
  if have etcd; then echo "ETCD=${dirs[etcd]}/etcd"; fi
  if have istio; then echo "ISTIOCTL=${dirs[istio]}/istioctl"; fi
  if [ -n "$istiod_dir" ]; then
    echo "ISTIOD=$istiod_dir/pilot-discovery"
    echo "ISTIO_XDSCLIENT=$istiod_dir/xdsclient"
  fi
  if have grpcurl; then echo "GRPCURL=${dirs[grpcurl]}/grpcurl"; fi
  if have krew; then echo "KREW=${dirs[krew]}/krew"; fi
  if have testserver; then echo "GRPCMESH_TESTSERVER=${dirs[testserver]}/testserver"; fi
  if have oracle; then echo "ISTIO_ORACLE=${dirs[oracle]}/istio-oracle"; fi
  if [ -n "$istio_crds" ] || have oracle; then echo "ISTIO_SOURCE=$(moddir "$(srcdir istio)" istio.io/istio)"; fi
  if [ -n "$istio_crds" ]; then echo "ISTIO_CRDS=$istio_crds"; fi
  if have gateway-api; then echo "GATEWAY_API_CRDS=${dirs[gateway-api]}/crds/standard"; fi
  if have cert-manager; then
    echo "CERT_MANAGER_CONTROLLER=${dirs[cert-manager]}/cert-manager-controller"
    echo "CERT_MANAGER_CRDS=${dirs[cert-manager]}/crds"
  fi
} > "$env_file.tmp.$$"
mv "$env_file.tmp.$$" "$env_file"
if [ "$quiet" = 1 ]; then
  echo "peers: ready in $((SECONDS - total_start))s ($env_file)"
else
  echo "peers: ready in $((SECONDS - total_start))s; $env_file:"
  grep -v '^#' "$env_file" | sed 's/^/  /'
fi
