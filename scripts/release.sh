#!/usr/bin/env bash
# Builds the Linux amd64 release archive and its Krew manifest:
#   <out>/kubectl-grpcmesh_<version>_linux_amd64.tar.gz
#     kubectl-grpcmesh            the binary (stripped)
#     kubectl_complete-grpcmesh   completion entry kubectl runs (krew/kubectl_complete-grpcmesh)
#     grpcmesh-grpc.so            the gRPC module grpcurl loads (when the build has it)
#     LICENSE, README.md
#   <out>/grpcmesh.yaml           krew/grpcmesh.yaml with version, uri and sha256 filled in
# The version is what the binary reports. The archive is reproducible: sorted
# entries, fixed owner, modes and mtime (the commit's time), gzip without a
# timestamp.
#
# Usage: scripts/release.sh [--build-dir DIR] [--no-build] [--out DIR] [--base-uri URL]
#   --build-dir DIR  build tree to use (default build-release, configured as Release)
#   --no-build       package what DIR already holds instead of building it
#   --out DIR        where the archive and manifest go (default dist)
#   --base-uri URL   where the archive will be published; the manifest's uri is
#                    URL/<archive name> (default $GRPCMESH_RELEASE_BASE_URI, else
#                    https://github.com/kubectl-grpcmesh/kubectl-grpcmesh/releases/download/v<version>)
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build="$root/build-release"
out="$root/dist"
base_uri=${GRPCMESH_RELEASE_BASE_URI:-}
do_build=1
while [ $# -gt 0 ]; do
  case $1 in
    --build-dir) build=$(realpath -m "${2:?release: --build-dir needs a directory}"); shift 2 ;;
    --no-build) do_build=0; shift ;;
    --out) out=$(realpath -m "${2:?release: --out needs a directory}"); shift 2 ;;
    --base-uri) base_uri=${2:?release: --base-uri needs a URL}; shift 2 ;;
    -h|--help) sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "release: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done

if [ $do_build = 1 ]; then
  gen=()
  [ -f "$build/CMakeCache.txt" ] || gen=(-G Ninja)
  cmake -S "$root" -B "$build" "${gen[@]}" -DCMAKE_BUILD_TYPE=Release -DGRPCMESH_BUILD_TESTS=OFF >/dev/null
  targets=(kubectl-grpcmesh)
  if [ -f "$root/core/grpc/CMakeLists.txt" ]; then
    targets+=(grpcmesh-grpc)
  fi
  cmake --build "$build" --target "${targets[@]}"
fi

binary="$build/kubectl-grpcmesh"
[ -x "$binary" ] || { echo "release: $binary not found (build it, or drop --no-build)" >&2; exit 1; }
for f in LICENSE README.md krew/grpcmesh.yaml krew/kubectl_complete-grpcmesh; do
  [ -f "$root/$f" ] || { echo "release: $f is missing" >&2; exit 1; }
done

version=$("$binary" version -o json | sed -n 's/^ *"version": "\(v[^"]*\)".*/\1/p')
[[ $version =~ ^v[0-9]+\.[0-9]+\.[0-9]+ ]] || { echo "release: cannot read the version from $binary" >&2; exit 1; }
name="kubectl-grpcmesh_${version#v}_linux_amd64.tar.gz"
base_uri=${base_uri:-https://github.com/kubectl-grpcmesh/kubectl-grpcmesh/releases/download/$version}

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
install -m 0755 "$binary" "$stage/kubectl-grpcmesh"
strip --strip-unneeded "$stage/kubectl-grpcmesh"
install -m 0755 "$root/krew/kubectl_complete-grpcmesh" "$stage/kubectl_complete-grpcmesh"
install -m 0644 "$root/LICENSE" "$stage/LICENSE"
install -m 0644 "$root/README.md" "$stage/README.md"
extra_files=""
if [ -f "$build/grpcmesh-grpc.so" ]; then
  install -m 0644 "$build/grpcmesh-grpc.so" "$stage/grpcmesh-grpc.so"
  strip --strip-unneeded "$stage/grpcmesh-grpc.so"
  extra_files="    - from: grpcmesh-grpc.so
      to: ."
fi

mtime=$(git -C "$root" log -1 --format=%ct 2>/dev/null || echo 0)
mkdir -p "$out"
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$mtime" --format=gnu \
  -C "$stage" -cf - $(cd "$stage" && ls) | gzip -n -9 > "$out/$name"
sha=$(sha256sum "$out/$name" | cut -d' ' -f1)

awk -v version="$version" -v uri="$base_uri/$name" -v sha="$sha" -v extra="$extra_files" '
  /^#/ && !started { next }   # the template header is not part of the manifest
  { started = 1 }
  /^\{\{EXTRA_FILES\}\}$/ { if (extra != "") print extra; next }
  { gsub(/\{\{VERSION\}\}/, version); gsub(/\{\{URI\}\}/, uri); gsub(/\{\{SHA256\}\}/, sha); print }
' "$root/krew/grpcmesh.yaml" > "$out/grpcmesh.yaml"

echo "$out/$name"
echo "$out/grpcmesh.yaml"
