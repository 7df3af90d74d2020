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
# With --portable it builds, with Zig's cross compiler and the static
# libraries of scripts/build-release-deps.sh, the archives that run on any
# Linux with glibc 2.28 or newer and nothing else installed:
#   <out>/kubectl-grpcmesh_<version>_linux_amd64.tar.gz
#   <out>/kubectl-grpcmesh_<version>_linux_arm64.tar.gz
#   <out>/grpcmesh.yaml           both platforms, each with its uri and sha256;
#                                 no runtime packages in the caveats
# in the build trees DIR-amd64 and DIR-arm64 (DIR: --build-dir, default
# build-portable). The dependencies must have been built first; their
# locations come from $GRPCMESH_CACHE/release/release-deps.env.
#
# Usage: scripts/release.sh [--portable] [--build-dir DIR] [--no-build] [--out DIR] [--base-uri URL]
#   --portable       the two portable archives (see above)
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
portable=0
build_set=0
while [ $# -gt 0 ]; do
  case $1 in
    --build-dir) build=$(realpath -m "${2:?release: --build-dir needs a directory}"); build_set=1; shift 2 ;;
    --portable) portable=1; shift ;;
    --no-build) do_build=0; shift ;;
    --out) out=$(realpath -m "${2:?release: --out needs a directory}"); shift 2 ;;
    --base-uri) base_uri=${2:?release: --base-uri needs a URL}; shift 2 ;;
    -h|--help) sed -n '2,34p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "release: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done

mtime=$(git -C "$root" log -1 --format=%ct 2>/dev/null || echo 0)

# pack STAGE ARCHIVE: the reproducible tar.gz of STAGE's files.
pack() {
  tar --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$mtime" --format=gnu \
    -C "$1" -cf - $(cd "$1" && ls) | gzip -n -9 > "$2"
}

if [ $portable = 1 ]; then
  cache=${GRPCMESH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kubectl-grpcmesh}
  deps_env="$cache/release/release-deps.env"
  [ -f "$deps_env" ] || { echo "release: $deps_env not found: run scripts/build-release-deps.sh first" >&2; exit 1; }
  [ $build_set = 1 ] || build="$root/build-portable"
  low=(nice -n 19)
  command -v ionice >/dev/null && low=(ionice -c3 nice -n 19)
  for f in LICENSE README.md krew/grpcmesh.yaml krew/kubectl_complete-grpcmesh; do
    [ -f "$root/$f" ] || { echo "release: $f is missing" >&2; exit 1; }
  done
  # Compiled through ccache when it is installed (GRPCMESH_CCACHE=0: not),
  # with its cache outside the repository like the dependencies: the release
  # test rebuilds both archives on every run, and a tree this machine has
  # compiled before (a fresh clone of a commit built in an earlier run)
  # then compiles only what changed. The launcher carries the settings, so a
  # later `cmake --build` by hand caches the same way:
  # - CCACHE_BASEDIR: paths under the checkout are hashed relative to it, so
  #   a clone in another directory hits the same entries (definitions are
  #   hashed as written: nothing that embeds a path is shared);
  # - CCACHE_NOHASHDIR: nor is the build directory (the binaries are
  #   stripped, so no debug information names it);
  # - CCACHE_DEPEND: the compiler's own dependency file (-MD, as Ninja asks)
  #   decides what a result depends on; no second preprocessor run on a miss.
  ccache_args=(-DCMAKE_CXX_COMPILER_LAUNCHER=)
  if [ "${GRPCMESH_CCACHE:-1}" != 0 ] && command -v ccache >/dev/null; then
    case "$root$cache" in
      *[[:space:]\;]*) echo "release: ccache not used: the checkout or cache path holds a space or ';'" >&2 ;;
      *) mkdir -p "$cache/ccache"
        ccache_args=("-DCMAKE_CXX_COMPILER_LAUNCHER=env;CCACHE_DIR=$cache/ccache;CCACHE_BASEDIR=$root;CCACHE_NOHASHDIR=1;CCACHE_DEPEND=1;CCACHE_MAXSIZE=5G;CCACHE_COMPRESS=1;$(command -v ccache)") ;;
    esac
  fi
  declare -A archive_of sha_of
  version=""
  for arch in amd64 arm64; do
    deps=$(sed -n "s/^GRPCMESH_RELEASE_DEPS_${arch^^}=//p" "$deps_env")
    [ -n "$deps" ] && [ -f "$deps/toolchain.cmake" ] ||
      { echo "release: no $arch dependencies in $deps_env: run scripts/build-release-deps.sh" >&2; exit 1; }
    dir="$build-$arch"
    if [ $do_build = 1 ]; then
      # Stripped at link time (the host's strip knows only its own machine).
      "${low[@]}" cmake -S "$root" -B "$dir" -G Ninja -DCMAKE_TOOLCHAIN_FILE="$deps/toolchain.cmake" \
        -DCMAKE_BUILD_TYPE=Release -DGRPCMESH_BUILD_TESTS=OFF "${ccache_args[@]}" \
        -DCMAKE_EXE_LINKER_FLAGS=-s -DCMAKE_MODULE_LINKER_FLAGS=-s >/dev/null
      "${low[@]}" cmake --build "$dir" -j 2 --target kubectl-grpcmesh grpcmesh-grpc
    fi
    for f in kubectl-grpcmesh grpcmesh-grpc.so; do
      [ -f "$dir/$f" ] || { echo "release: $dir/$f not found (build it, or drop --no-build)" >&2; exit 1; }
    done
    if [ -z "$version" ]; then
      # What the amd64 binary reports (it runs here; both come from one tree).
      version=$("$dir/kubectl-grpcmesh" version -o json | sed -n 's/^ *"version": "\(v[^"]*\)".*/\1/p')
      [[ $version =~ ^v[0-9]+\.[0-9]+\.[0-9]+ ]] || { echo "release: cannot read the version from $dir/kubectl-grpcmesh" >&2; exit 1; }
    fi
    stage=$(mktemp -d)
    install -m 0755 "$dir/kubectl-grpcmesh" "$stage/kubectl-grpcmesh"
    install -m 0755 "$root/krew/kubectl_complete-grpcmesh" "$stage/kubectl_complete-grpcmesh"
    install -m 0644 "$dir/grpcmesh-grpc.so" "$stage/grpcmesh-grpc.so"
    install -m 0644 "$root/LICENSE" "$stage/LICENSE"
    install -m 0644 "$root/README.md" "$stage/README.md"
    mkdir -p "$out"
    archive_of[$arch]="kubectl-grpcmesh_${version#v}_linux_${arch}.tar.gz"
    pack "$stage" "$out/${archive_of[$arch]}"
    rm -rf "$stage"
    sha_of[$arch]=$(sha256sum "$out/${archive_of[$arch]}" | cut -d' ' -f1)
  done
  base_uri=${base_uri:-https://github.com/kubectl-grpcmesh/kubectl-grpcmesh/releases/download/$version}
  # The template's one platform (linux/amd64), once per architecture; the
  # caveats lose the runtime packages, which these archives do not need.
  awk -v version="$version" -v base="$base_uri" \
      -v amd64="${archive_of[amd64]} ${sha_of[amd64]}" -v arm64="${archive_of[arm64]} ${sha_of[arm64]}" '
    /^#/ && !started { next }
    { started = 1 }
    /^    The binary needs these/ { skip = 1 }
    skip { if ($0 ~ /^ *$/) skip = 0; next }
    /^  - selector:/ { inblock = 1 }
    inblock { block = block $0 "\n"; next }
    { gsub(/\{\{VERSION\}\}/, version); print }
    END {
      n = split("amd64 arm64", archs, " ")
      for (i = 1; i <= n; i++) {
        a = archs[i]; b = block
        split(a == "amd64" ? amd64 : arm64, f, " ")
        gsub(/arch: amd64/, "arch: " a, b)
        gsub(/\{\{URI\}\}/, base "/" f[1], b)
        gsub(/\{\{SHA256\}\}/, f[2], b)
        gsub(/\{\{EXTRA_FILES\}\}/, "    - from: grpcmesh-grpc.so\n      to: .", b)
        printf "%s", b
      }
    }
  ' "$root/krew/grpcmesh.yaml" > "$out/grpcmesh.yaml"
  echo "$out/${archive_of[amd64]}"
  echo "$out/${archive_of[arm64]}"
  echo "$out/grpcmesh.yaml"
  exit 0
fi

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

mkdir -p "$out"
pack "$stage" "$out/$name"
sha=$(sha256sum "$out/$name" | cut -d' ' -f1)

awk -v version="$version" -v uri="$base_uri/$name" -v sha="$sha" -v extra="$extra_files" '
  /^#/ && !started { next }   # the template header is not part of the manifest
  { started = 1 }
  /^\{\{EXTRA_FILES\}\}$/ { if (extra != "") print extra; next }
  { gsub(/\{\{VERSION\}\}/, version); gsub(/\{\{URI\}\}/, uri); gsub(/\{\{SHA256\}\}/, sha); print }
' "$root/krew/grpcmesh.yaml" > "$out/grpcmesh.yaml"

echo "$out/$name"
echo "$out/grpcmesh.yaml"
