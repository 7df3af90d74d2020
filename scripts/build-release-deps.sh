#!/usr/bin/env bash
# Builds what the portable release binaries need, for linux/amd64 and
# linux/arm64 at the glibc 2.28 floor, into a cache outside the repository,
# keyed by version:
#   $GRPCMESH_CACHE (default ${XDG_CACHE_HOME:-$HOME/.cache}/kubectl-grpcmesh)
#     release/zig-<v>/              Zig's C/C++ compiler, from the ziglang wheel
#                                   on PyPI (pip download); bin/ has wrappers
#                                   <triple>-cc, -c++, -ar, -ranlib
#     release/src/                  Debian source packages (apt-get source with
#                                   a private apt configuration: the machine's
#                                   is not touched)
#     release/headers-<h>/          the header-only libraries (CLI11,
#                                   nlohmann-json, fmt), copied from the Debian
#                                   -dev packages the developer build uses
#     release/<triple>-<h>/         static libraries and headers of zlib,
#                                   libyaml, nghttp2, OpenSSL, a minimal
#                                   libcurl (HTTP only) and protobuf, built
#                                   with -fPIC; toolchain.cmake for the build
#     release/release-deps.env      ZIG, GRPCMESH_RELEASE_DEPS_<ARCH> and the
#                                   toolchain files, for scripts/release.sh
# <triple> is x86_64-linux-gnu or aarch64-linux-gnu; <h> hashes the Zig and
# source package versions and this script's build recipes, so a bump builds
# into a new directory. The sources are the newest the Debian mirror serves for
# this system's suite (security updates included); protobuf must be the same
# upstream version as the protoc installed here.
# A library whose stamp exists is skipped. Logs go to $GRPCMESH_CACHE/logs/.
# Each step's wall time is printed. Every compiler runs under nice -n 19 and
# ionice -c3, with at most 2 jobs.
#
# Usage: scripts/build-release-deps.sh [--only amd64|arm64]
set -euo pipefail
shopt -s inherit_errexit

root=$(cd "$(dirname "$0")/.." && pwd)
cache=${GRPCMESH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kubectl-grpcmesh}
mirror=${GRPCMESH_DEBIAN_MIRROR:-http://deb.debian.org/debian}
security_mirror=${GRPCMESH_DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}
zig_version=0.17.1
only=""
while [ $# -gt 0 ]; do
  case $1 in
    --only) only=${2:?build-release-deps: --only needs amd64 or arm64}; shift 2 ;;
    -h|--help) sed -n '2,29p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "build-release-deps: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
case $only in ""|amd64|arm64) ;; *) echo "build-release-deps: --only takes amd64 or arm64" >&2; exit 2 ;; esac
case "$cache" in
  *[[:space:]\'\"\$\\]*) echo "build-release-deps: the cache path may not contain spaces, quotes, \$ or \\" >&2; exit 1 ;;
esac
for tool in pip3 dpkg-source apt-get cmake make python3; do
  command -v $tool >/dev/null || { echo "build-release-deps: $tool not found (scripts/install-deps.sh installs it)" >&2; exit 1; }
done

rel="$cache/release"
logs="$cache/logs"
mkdir -p "$rel" "$logs"
exec 9>"$rel/.lock"
flock 9
low=(nice -n 19)
command -v ionice >/dev/null && low=(ionice -c3 nice -n 19)
jobs=2

# step NAME COMMAND...: runs COMMAND with its output in the log, prints the time.
step() {
  local name=$1 start=$SECONDS log="$logs/release-$1.log"
  shift
  echo "build-release-deps: $name ..." >&2
  # In the background so that set -e holds inside (it does not under "if").
  ("$@") >"$log" 2>&1 &
  if ! wait $!; then
    echo "build-release-deps: $name failed, see $log" >&2
    tail -20 "$log" >&2
    exit 1
  fi
  echo "build-release-deps: $name done in $((SECONDS - start)) s" >&2
}

# --- Zig -------------------------------------------------------------------
zig_dir="$rel/zig-$zig_version"
fetch_zig() {
  rm -rf "$zig_dir.tmp" && mkdir -p "$zig_dir.tmp/dl"
  pip3 download --no-deps --only-binary=:all: -d "$zig_dir.tmp/dl" "ziglang==$zig_version"
  python3 -m zipfile -e "$zig_dir.tmp"/dl/ziglang-*.whl "$zig_dir.tmp"
  rm -rf "$zig_dir.tmp/dl"
  chmod +x "$zig_dir.tmp/ziglang/zig"
  mkdir -p "$zig_dir.tmp/bin"
  local triple tool
  for triple in x86_64-linux-gnu aarch64-linux-gnu; do
    for tool in cc c++; do
      printf '#!/bin/sh\nexec "%s" %s -target %s.2.28 "$@"\n' "$zig_dir/ziglang/zig" "$tool" "$triple" \
        >"$zig_dir.tmp/bin/$triple-$tool"
    done
    for tool in ar ranlib; do
      printf '#!/bin/sh\nexec "%s" %s "$@"\n' "$zig_dir/ziglang/zig" "$tool" >"$zig_dir.tmp/bin/$triple-$tool"
    done
  done
  chmod +x "$zig_dir.tmp"/bin/*
  [ "$("$zig_dir.tmp/ziglang/zig" version)" = "$zig_version" ]
  touch "$zig_dir.tmp/.complete"
  rm -rf "$zig_dir" && mv "$zig_dir.tmp" "$zig_dir"
}
[ -f "$zig_dir/.complete" ] || step zig fetch_zig
zig="$zig_dir/ziglang/zig"
# Zig's own cache (libc++, glibc stubs per target) stays with the cache.
export ZIG_GLOBAL_CACHE_DIR="$rel/zig-cache" ZIG_LOCAL_CACHE_DIR="$rel/zig-cache"

# --- Debian sources ----------------------------------------------------------
# The newest version of each source package the mirror serves for this
# system's suite (with its security and point-release updates), from a
# private apt configuration under release/apt.
sources=(zlib libyaml nghttp2 openssl curl protobuf)
for pkg in libcli11-dev nlohmann-json3-dev libfmt-dev protobuf-compiler; do
  dpkg-query -W -f='${Version}' "$pkg" >/dev/null 2>&1 ||
    { echo "build-release-deps: $pkg is not installed (scripts/install-deps.sh)" >&2; exit 1; }
done
apt_dir="$rel/apt"
srcs="$rel/src"
suite=$(. /etc/os-release && echo "$VERSION_CODENAME")
apt_private=(-o Dir::Etc::SourceList="$apt_dir/sources.list" -o Dir::Etc::SourceParts="$apt_dir/none"
  -o Dir::State::Lists="$apt_dir/lists" -o Dir::Cache="$apt_dir/cache" -o Dir::Cache::pkgcache=""
  -o Dir::Cache::srcpkgcache="" -o APT::Sandbox::User=root)
mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial" "$apt_dir/none" "$srcs"
cat >"$apt_dir/sources.list" <<EOF
deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror $suite main
deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror $suite-updates main
deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $security_mirror $suite-security main
EOF
if ! apt-get "${apt_private[@]}" update >"$logs/release-apt-update.log" 2>&1; then
  ls "$apt_dir"/lists/*Sources >/dev/null 2>&1 ||
    { echo "build-release-deps: cannot read the Debian source index, see $logs/release-apt-update.log" >&2; exit 1; }
  echo "build-release-deps: the Debian mirror did not answer; using the source index fetched before" >&2
fi
# Each source package's versions, newest first; the first one the mirror
# really serves (some mirrors list security updates they do not carry) is used.
declare -A version_of
for src in "${sources[@]}"; do
  mapfile -t candidates < <(apt-cache "${apt_private[@]}" showsrc "$src" | sed -n 's/^Version: //p' |
    while read -r v; do echo "$v"; done | sort -u)
  # dpkg's order, newest first (a simple insertion sort: a handful of versions)
  ordered=()
  for v in "${candidates[@]}"; do
    placed=0 next=()
    for o in "${ordered[@]}"; do
      if [ $placed = 0 ] && dpkg --compare-versions "$v" gt "$o"; then next+=("$v"); placed=1; fi
      next+=("$o")
    done
    [ $placed = 1 ] || next+=("$v")
    ordered=("${next[@]}")
  done
  [ ${#ordered[@]} -gt 0 ] || { echo "build-release-deps: the Debian mirror has no source package $src" >&2; exit 1; }
  for v in "${ordered[@]}"; do
    if [ -f "$srcs/${src}_${v#*:}.dsc" ]; then version_of[$src]=$v; break; fi
    if (cd "$srcs" && apt-get "${apt_private[@]}" source --download-only "$src=$v") \
         >>"$logs/release-sources.log" 2>&1; then
      echo "build-release-deps: source $src $v downloaded" >&2
      version_of[$src]=$v
      break
    fi
    echo "build-release-deps: source $src $v is listed but not served; trying an older one" >&2
  done
  [ -n "${version_of[$src]:-}" ] ||
    { echo "build-release-deps: no version of $src could be downloaded, see $logs/release-sources.log" >&2; exit 1; }
done
# The release's generated protobuf code comes from this machine's protoc: the
# library must be the same upstream version.
protoc_v=$(dpkg-query -W -f='${Version}' protobuf-compiler)
[ "${protoc_v%-*}" = "${version_of[protobuf]%-*}" ] ||
  { echo "build-release-deps: protoc is ${protoc_v%-*} but the protobuf source is ${version_of[protobuf]%-*}" >&2; exit 1; }

# srcdir SRC: the unpacked source of SRC at its version (Debian patches applied).
srcdir() {
  local v=${version_of[$1]#*:}
  echo "$srcs/$1-$v"
}
for src in "${sources[@]}"; do
  v=${version_of[$src]#*:}
  d=$(srcdir "$src")
  if [ ! -f "$d/.unpacked" ]; then
    rm -rf "$d"
    (cd "$srcs" && dpkg-source -x "${src}_$v.dsc" "$d" >"$logs/release-unpack-$src.log" 2>&1) ||
      { echo "build-release-deps: cannot unpack $src, see $logs/release-unpack-$src.log" >&2; exit 1; }
    touch "$d/.unpacked"
  fi
done

# --- Header-only libraries -----------------------------------------------------
hkey=$(for p in libcli11-dev nlohmann-json3-dev libfmt-dev; do dpkg-query -W -f='${Package} ${Version}\n' $p; done |
  sha256sum | cut -c1-12)
headers="$rel/headers-$hkey"
if [ ! -f "$headers/.complete" ]; then
  rm -rf "$headers" && mkdir -p "$headers/include"
  cp -r /usr/include/CLI /usr/include/nlohmann /usr/include/fmt "$headers/include/"
  touch "$headers/.complete"
fi

# --- Static libraries per target ------------------------------------------------
recipe=$(sed -n '/^build_target() {/,/^  # --- end of the recipes/p' "$0" | sha256sum | cut -c1-8)
key=$( (echo "zig $zig_version recipe $recipe"; for s in $(printf '%s\n' "${!version_of[@]}" | sort); do
  echo "$s ${version_of[$s]}"; done) | sha256sum | cut -c1-12)

build_target() {
  local arch=$1 triple=$2 osslarch=$3
  local prefix="$rel/$triple-$key" bin="$zig_dir/bin"
  local work="$rel/work/$triple"
  mkdir -p "$prefix/lib" "$prefix/include" "$work"
  local cc="$bin/$triple-cc" cxx="$bin/$triple-c++" ar="$bin/$triple-ar" ranlib="$bin/$triple-ranlib"
  local cflags="-O2 -fPIC -ffunction-sections -fdata-sections"
  # fresh SRC: a private copy of SRC's source to build in.
  fresh() { rm -rf "$work/$1" && cp -a "$(srcdir "$1")" "$work/$1" && cd "$work/$1"; }
  export CC="$cc" CXX="$cxx" AR="$ar" RANLIB="$ranlib" CFLAGS="$cflags" CXXFLAGS="$cflags"

  zlib_build() {
    fresh zlib
    CHOST=$triple "${low[@]}" ./configure --static --prefix="$prefix"
    "${low[@]}" make -j$jobs libz.a
    cp libz.a "$prefix/lib/" && cp zlib.h zconf.h "$prefix/include/"
  }
  # cmake_lib SRC ARGS...: configures SRC's CMake build with the toolchain.
  cmake_lib() {
    local src=$1; shift
    fresh "$src"
    "${low[@]}" cmake -S . -B build -DCMAKE_TOOLCHAIN_FILE="$prefix/toolchain.cmake" -DCMAKE_BUILD_TYPE=Release \
      -DCMAKE_POSITION_INDEPENDENT_CODE=ON -DCMAKE_INSTALL_PREFIX="$prefix" -DCMAKE_INSTALL_LIBDIR=lib \
      -DCMAKE_C_FLAGS="$cflags" -DCMAKE_CXX_FLAGS="$cflags" -DBUILD_SHARED_LIBS=OFF -DBUILD_TESTING=OFF "$@"
  }
  yaml_build() {
    cmake_lib libyaml
    "${low[@]}" cmake --build build --target yaml -j$jobs
    cp build/libyaml.a "$prefix/lib/" && cp include/yaml.h "$prefix/include/"
  }
  nghttp2_build() {
    cmake_lib nghttp2 -DENABLE_LIB_ONLY=ON -DENABLE_STATIC_LIB=ON -DENABLE_SHARED_LIB=OFF -DENABLE_DOC=OFF \
      -DWITH_LIBXML2=OFF -DWITH_JEMALLOC=OFF
    "${low[@]}" cmake --build build --target nghttp2_static -j$jobs
    cp build/lib/libnghttp2.a "$prefix/lib/"
    mkdir -p "$prefix/include/nghttp2"
    cp lib/includes/nghttp2/nghttp2.h build/lib/includes/nghttp2/nghttp2ver.h "$prefix/include/nghttp2/"
  }
  openssl_build() {
    fresh openssl
    # OPENSSLDIR /etc/ssl: the trust store (certs/) and openssl.cnf where
    # Debian and Ubuntu keep them.
    "${low[@]}" ./Configure "$osslarch" no-shared no-tests no-engine no-legacy no-module no-dso no-comp \
      --prefix="$prefix" --libdir=lib --openssldir=/etc/ssl $cflags
    "${low[@]}" make -j$jobs build_libs
    make install_dev
  }
  curl_build() {
    fresh curl
    [ -x configure ] || "${low[@]}" autoreconf -fi
    # HTTP and HTTPS only, over the OpenSSL, nghttp2 and zlib above; no
    # other protocol, no IDN, PSL, SSH, LDAP, brotli or zstd. The CA files
    # are OpenSSL's defaults unless the caller names them.
    LIBS="-lpthread" "${low[@]}" ./configure --host="$triple" --prefix="$prefix" --disable-shared --enable-static \
      --with-pic --with-openssl="$prefix" --with-nghttp2="$prefix" --with-zlib="$prefix" \
      --without-libpsl --without-libidn2 --without-brotli --without-zstd --without-libssh2 --without-libssh \
      --without-librtmp --without-libgsasl --without-gssapi --without-ngtcp2 --without-nghttp3 --without-quiche \
      --disable-ldap --disable-ldaps --disable-rtsp --disable-dict --disable-telnet --disable-tftp --disable-pop3 \
      --disable-imap --disable-smtp --disable-gopher --disable-mqtt --disable-smb --disable-ftp --disable-file \
      --disable-manual --disable-docs --disable-ntlm --disable-ntlm-wb --disable-unix-sockets \
      --without-ca-bundle --without-ca-path --with-ca-fallback
    "${low[@]}" make -j$jobs -C lib
    make -C lib install && make -C include install
  }
  protobuf_build() {
    # libprotobuf only; the code generator is the build machine's protoc of
    # the same version.
    cmake_lib protobuf -S cmake -Dprotobuf_BUILD_TESTS=OFF -Dprotobuf_BUILD_PROTOC_BINARIES=OFF \
      -Dprotobuf_BUILD_SHARED_LIBS=OFF -Dprotobuf_WITH_ZLIB=OFF
    "${low[@]}" cmake --build build --target libprotobuf -j$jobs
    cp build/libprotobuf.a "$prefix/lib/"
    (cd src && find google -name '*.h' -o -name '*.inc' | grep -v '/testing/\|_test' |
      while read -r h; do mkdir -p "$prefix/include/$(dirname "$h")" && cp "$h" "$prefix/include/$h"; done)
  }

  # --- end of the recipes
  write_toolchain "$triple" "$prefix"

  local lib
  for lib in zlib yaml nghttp2 openssl curl protobuf; do
    [ -f "$prefix/.built-$lib" ] && continue
    step "$arch-$lib" "${lib}_build"
    touch "$prefix/.built-$lib"
  done
  echo "$prefix"
}

# write_toolchain TRIPLE PREFIX: PREFIX/toolchain.cmake, and the CMake and
# pkg-config files through which the project's find_package and
# pkg_check_modules calls find PREFIX's libraries and the copied headers.
write_toolchain() {
  local triple=$1 prefix=$2 bin="$zig_dir/bin"
  cat >"$prefix/toolchain.cmake" <<EOF
# Generated by scripts/build-release-deps.sh: Zig's compiler for $triple at
# the glibc 2.28 floor, libraries from this directory only.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR ${triple%%-*})
set(CMAKE_C_COMPILER $bin/$triple-cc)
set(CMAKE_CXX_COMPILER $bin/$triple-c++)
set(CMAKE_AR $bin/$triple-ar CACHE FILEPATH "")
set(CMAKE_RANLIB $bin/$triple-ranlib CACHE FILEPATH "")
set(CMAKE_FIND_ROOT_PATH $prefix)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
set(OPENSSL_USE_STATIC_LIBS TRUE)
set(Protobuf_USE_STATIC_LIBS ON)
set(ENV{PKG_CONFIG_LIBDIR} $prefix/lib/pkgconfig)
set(ENV{PKG_CONFIG_PATH} "")
set(ENV{ZIG_GLOBAL_CACHE_DIR} $rel/zig-cache)
set(ENV{ZIG_LOCAL_CACHE_DIR} $rel/zig-cache)
# Read by the project: link the libraries above instead of loading them.
set(GRPCMESH_STATIC_DEPS ON)
EOF
  mkdir -p "$prefix/lib/pkgconfig" "$prefix/lib/cmake/CLI11" "$prefix/lib/cmake/nlohmann_json" "$prefix/lib/cmake/fmt"
  cat >"$prefix/lib/pkgconfig/yaml-0.1.pc" <<EOF
Name: LibYAML
Description: Library to parse and emit YAML
Version: 0.2.5
Cflags: -I$prefix/include
Libs: -L$prefix/lib -lyaml
EOF
  # header_only FILE NAME TARGET VERSION: a CMake package config for a
  # header-only library in the copied headers.
  header_only() {
    cat >"$1" <<EOF
set($2_VERSION $4)
if(NOT TARGET $3)
  add_library($3 INTERFACE IMPORTED)
  set_target_properties($3 PROPERTIES INTERFACE_INCLUDE_DIRECTORIES $headers/include)
endif()
EOF
    cat >"${1%Config.cmake}ConfigVersion.cmake" <<EOF
set(PACKAGE_VERSION $4)
if(PACKAGE_FIND_VERSION VERSION_GREATER PACKAGE_VERSION)
  set(PACKAGE_VERSION_COMPATIBLE FALSE)
else()
  set(PACKAGE_VERSION_COMPATIBLE TRUE)
endif()
EOF
  }
  local v
  v=$(dpkg-query -W -f='${Version}' libcli11-dev); v=${v%%[-+~]*}
  header_only "$prefix/lib/cmake/CLI11/CLI11Config.cmake" CLI11 CLI11::CLI11 "$v"
  v=$(dpkg-query -W -f='${Version}' nlohmann-json3-dev); v=${v%%[-+~]*}
  header_only "$prefix/lib/cmake/nlohmann_json/nlohmann_jsonConfig.cmake" nlohmann_json nlohmann_json::nlohmann_json "$v"
  v=$(dpkg-query -W -f='${Version}' libfmt-dev); v=${v#*:}; v=${v%%[-+~]*}
  header_only "$prefix/lib/cmake/fmt/fmtConfig.cmake" fmt fmt::fmt-header-only "$v"
}

env_lines=("ZIG=$zig" "ZIG_GLOBAL_CACHE_DIR=$rel/zig-cache")
for target in amd64:x86_64-linux-gnu:linux-x86_64 arm64:aarch64-linux-gnu:linux-aarch64; do
  IFS=: read -r arch triple osslarch <<<"$target"
  [ -z "$only" ] || [ "$only" = "$arch" ] || continue
  prefix=$( (build_target "$arch" "$triple" "$osslarch") | tail -1)
  env_lines+=("GRPCMESH_RELEASE_DEPS_${arch^^}=$prefix")
done
# Merge with what an earlier run (perhaps for the other target) wrote.
if [ -f "$rel/release-deps.env" ]; then
  while IFS= read -r line; do
    name=${line%%=*}
    printf '%s\n' "${env_lines[@]}" | grep -q "^$name=" || env_lines+=("$line")
  done <"$rel/release-deps.env"
fi
printf '%s\n' "${env_lines[@]}" | sort >"$rel/release-deps.env.tmp"
mv "$rel/release-deps.env.tmp" "$rel/release-deps.env"
cat "$rel/release-deps.env"
