#!/usr/bin/env bash
# The portable release archives (scripts/release.sh --portable, built with
# Zig against the static libraries of scripts/build-release-deps.sh):
#  - both archives (linux/amd64, linux/arm64) and the Krew manifest are built;
#  - the binary and the gRPC module of each need no glibc symbol version above
#    GLIBC_2.28, no GLIBCXX/CXXABI/GCC version, and no shared library but
#    libc, libm, libdl, libpthread and the dynamic loader;
#  - the amd64 binary runs here, and the arm64 binary under qemu-aarch64-static
#    with the C library of a minimal arm64 Debian root (debootstrap --foreign:
#    unpacked, nothing configured, nothing added); each runs `version`,
#    `completion bash`, `check --offline -f` on a fixture, `check` against a
#    refused port (libcurl) and `grpcurl -protoset ... describe` (the module
#    and protobuf), and must print what the developer build DEV_BINARY
#    prints; `tls --self-signed` (OpenSSL) must make its Secret.
#
# Usage: tests/release/portable_test.sh DEV_BINARY WORK_DIR
#
# Runs only with GRPCMESH_RELEASE_PORTABLE=1. Exits 77 (ctest: skipped),
# saying why, without it, or when the release dependencies are not in the cache: building them from cold takes longer than CI allows
# (docs/development.md). The arm64 root is built once into
# $GRPCMESH_CACHE/roots/ (the Debian mirror: $GRPCMESH_DEBIAN_MIRROR).
set -euo pipefail

dev=${1:?usage: portable_test.sh DEV_BINARY WORK_DIR}
work=${2:?usage: portable_test.sh DEV_BINARY WORK_DIR}
root_dir=$(cd "$(dirname "$0")/../.." && pwd)
cache=${GRPCMESH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kubectl-grpcmesh}
mirror=${GRPCMESH_DEBIAN_MIRROR:-http://deb.debian.org/debian}
deps_env="$cache/release/release-deps.env"

skip() {
  echo "portable release: SKIPPED: $*"
  exit 77
}
fail() {
  echo "portable release: FAIL: $*" >&2
  exit 1
}

# --- Only when asked, and where the release dependencies are cached ---------
# Two cross builds of the whole project from scratch take 20 to 35 minutes on
# 2 cores, more than a CI run can spend beside everything else.
[ "${GRPCMESH_RELEASE_PORTABLE:-}" = 1 ] ||
  skip "cross-building both archives takes 20 to 35 minutes; run it with GRPCMESH_RELEASE_PORTABLE=1 ctest --test-dir build -R release.portable"
[ -f "$deps_env" ] || skip "the release dependencies are not cached ($deps_env is missing); build them with scripts/build-release-deps.sh"
for arch in amd64 arm64; do
  prefix=$(sed -n "s/^GRPCMESH_RELEASE_DEPS_${arch^^}=//p" "$deps_env")
  for lib in zlib yaml nghttp2 openssl curl protobuf; do
    [ -n "$prefix" ] && [ -f "$prefix/.built-$lib" ] ||
      skip "the $arch release dependencies are not all cached (no $lib); build them with scripts/build-release-deps.sh"
  done
done
command -v qemu-aarch64-static >/dev/null || fail "qemu-aarch64-static not found (apt-get install qemu-user-static)"
command -v readelf >/dev/null || fail "readelf not found (apt-get install binutils)"
[ -x "$dev" ] || fail "the developer build $dev is missing"

# --- Build and package ---------------------------------------------------------
start=$SECONDS
mkdir -p "$work"
"$root_dir/scripts/release.sh" --portable --build-dir "$work/build" --out "$work/dist" >"$work/release.log" 2>&1 ||
  { tail -30 "$work/release.log" >&2; fail "scripts/release.sh --portable failed (log: $work/release.log)"; }
echo "portable release: both archives built in $((SECONDS - start)) s"
version=$("$dev" version -o json | sed -n 's/^ *"version": "\(v[^"]*\)".*/\1/p')
manifest="$work/dist/grpcmesh.yaml"
for arch in amd64 arm64; do
  archive="$work/dist/kubectl-grpcmesh_${version#v}_linux_$arch.tar.gz"
  [ -f "$archive" ] || fail "$archive was not written"
  sha=$(sha256sum "$archive" | cut -d' ' -f1)
  # The manifest names this archive for this platform, with its sha256.
  block=$(awk -v a="$arch" '/^  - selector:/ { p = 0 } /arch: / { p = ($2 == a) } p' "$manifest")
  grep -q "uri: .*/kubectl-grpcmesh_${version#v}_linux_$arch.tar.gz$" <<<"$block" ||
    fail "the manifest has no $arch uri for $(basename "$archive")"
  grep -q "sha256: $sha$" <<<"$block" || fail "the manifest's $arch sha256 is not the archive's ($sha)"
  rm -rf "$work/$arch" && mkdir -p "$work/$arch" && tar -xzf "$archive" -C "$work/$arch"
done
if grep -q 'libyaml-0-2\|libssl3\|libprotobuf' "$manifest"; then
  fail "the portable manifest's caveats still ask for runtime packages"
fi
echo "portable release: manifest names both platforms with their sha256"

# --- The glibc floor and the NEEDED list ---------------------------------------
# check_elf FILE MACHINE LOADER
check_elf() {
  local file=$1 machine=$2 loader=$3 needed versions bad
  readelf -h "$file" | grep -q "Machine: *$machine" || fail "$file is not a $machine ELF file"
  needed=$(readelf -d -W "$file" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | sort)
  [ -n "$needed" ] || fail "$file has no NEEDED entries (not dynamically linked against glibc?)"
  bad=$(grep -vxE "libc\.so\.6|libm\.so\.6|libdl\.so\.2|libpthread\.so\.0|$loader" <<<"$needed" || true)
  [ -z "$bad" ] || fail "$file needs $(echo $bad) (only libc, libm, libdl, libpthread and $loader are allowed)"
  # Every version the file requires (.gnu.version_r), e.g. GLIBC_2.17.
  versions=$(readelf -V -W "$file" | sed -n '/\.gnu\.version_r/,$p' | sed -n 's/.*Name: \([A-Z_]*[0-9][0-9.]*\).*/\1/p' | sort -u)
  grep -q '^GLIBC_2\.' <<<"$versions" || fail "$file requires no GLIBC_ version at all: cannot check its floor"
  bad=$(grep -vE '^GLIBC_2\.([0-9]|1[0-9]|2[0-8])(\.[0-9]+)?$' <<<"$versions" || true)
  [ -z "$bad" ] || fail "$file requires $(echo $bad) (the floor is GLIBC_2.28, and no GLIBCXX, CXXABI or GCC)"
  echo "portable release: $(basename "$(dirname "$file")")/$(basename "$file"): NEEDED $(echo $needed); newest $(sort -V <<<"$versions" | tail -1)"
}
for f in kubectl-grpcmesh grpcmesh-grpc.so; do
  check_elf "$work/amd64/$f" "Advanced Micro Devices X86-64" "ld-linux-x86-64\.so\.2"
  check_elf "$work/arm64/$f" "AArch64" "ld-linux-aarch64\.so\.1"
done

# --- A minimal arm64 root for its C library --------------------------------------
suite=bookworm
arm_root="$cache/roots/$suite-arm64-minbase-foreign"
if [ ! -f "$arm_root/.complete" ]; then
  mkdir -p "$cache/roots"
  exec 9>"$cache/roots/.lock"
  flock 9
  if [ ! -f "$arm_root/.complete" ]; then
    command -v debootstrap >/dev/null || fail "debootstrap not found (apt-get install debootstrap)"
    rm -rf "$arm_root.tmp"
    echo "portable release: unpacking a minimal arm64 $suite root (debootstrap --foreign)" >&2
    debootstrap --foreign --arch=arm64 --variant=minbase "$suite" "$arm_root.tmp" "$mirror" \
      >"$cache/roots/debootstrap-$suite-arm64.log" 2>&1 ||
      { tail -5 "$cache/roots/debootstrap-$suite-arm64.log" >&2; fail "debootstrap of the arm64 root failed"; }
    rm -rf "$arm_root.tmp/var/cache/apt/archives/"*.deb
    touch "$arm_root.tmp/.complete"
    mv "$arm_root.tmp" "$arm_root"
  fi
  flock -u 9
fi
[ -e "$arm_root/lib/ld-linux-aarch64.so.1" ] || fail "the arm64 root has no ld-linux-aarch64.so.1"

# --- Each binary does what the developer build does --------------------------------
fixture="$root_dir/tests/testdata/check/gm0007-grpc-under-tcp"
protoset="$root_dir/tests/testdata/grpc/shapes.protoset"
# same LABEL ARGS...: the same stdout and exit code from the developer build
# and from each portable binary.
same() {
  local label=$1 want got rc_want=0 rc_got arch
  shift
  want=$(cd "$work" && env -i PATH=/usr/bin:/bin "$dev" "$@" 2>&1) || rc_want=$?
  [ -n "$want" ] || fail "the developer build printed nothing for $label"
  for arch in amd64 arm64; do
    local run=("$work/$arch/kubectl-grpcmesh")
    [ $arch = amd64 ] || run=(qemu-aarch64-static -L "$arm_root" "$work/$arch/kubectl-grpcmesh")
    rc_got=0
    got=$(cd "$work" && env -i PATH=/usr/bin:/bin "${run[@]}" "$@" 2>&1) || rc_got=$?
    if [ "$got" != "$want" ] || [ $rc_got != $rc_want ]; then
      diff <(echo "$want") <(echo "$got") | head -20 >&2 || true
      fail "$arch: '$label' differs from the developer build (exit $rc_got, want $rc_want)"
    fi
  done
  echo "portable release: amd64 and arm64 match the developer build: $label (exit $rc_want)"
}

for arch in amd64 arm64; do
  run=("$work/$arch/kubectl-grpcmesh")
  [ $arch = amd64 ] || run=(qemu-aarch64-static -L "$arm_root" "$work/$arch/kubectl-grpcmesh")
  out=$(env -i PATH=/usr/bin:/bin "${run[@]}" version -o json 2>&1) || fail "$arch: version failed: $out"
  grep -q "\"version\": \"$version\"" <<<"$out" || fail "$arch: version does not report $version: $out"
  echo "portable release: $arch: version reports $version"
done
# kubectl's completion entry (a shell script, the same in both archives) runs
# the binary next to it: on amd64 here.
comp=$(env -i PATH=/usr/bin:/bin "$work/amd64/kubectl_complete-grpcmesh" vers 2>&1) ||
  fail "amd64: kubectl_complete-grpcmesh failed: $comp"
case $comp in version*) ;; *) fail "amd64: kubectl_complete-grpcmesh did not complete 'vers': $comp" ;; esac
echo "portable release: amd64: kubectl_complete-grpcmesh completes 'vers'"
same "completion bash" completion bash
same "__complete vers" __complete vers
same "check --offline -f $(basename "$fixture")" check --offline -f "$fixture"
# A new key each run: the Secret's name (stdout) must match, and the
# certificate's summary (stderr) name its key type.
for arch in amd64 arm64; do
  run=("$work/$arch/kubectl-grpcmesh")
  [ $arch = amd64 ] || run=(qemu-aarch64-static -L "$arm_root" "$work/$arch/kubectl-grpcmesh")
  out=$(cd "$work" && env -i PATH=/usr/bin:/bin "${run[@]}" tls --host grpc.example.com --self-signed \
    --gateway-namespace istio-system --dry-run=client -o name 2>"$work/tls.err") || fail "$arch: tls --self-signed failed: $(cat "$work/tls.err")"
  [ "$out" = "secret/grpc-example-com-tls" ] || fail "$arch: tls --self-signed printed '$out'"
  grep -q 'holds the certificate for grpc.example.com (ECDSA P-256' "$work/tls.err" ||
    fail "$arch: tls --self-signed did not describe an ECDSA P-256 certificate: $(cat "$work/tls.err")"
done
echo "portable release: amd64 and arm64 make a self-signed certificate (OpenSSL)"
same "check against a refused port (libcurl)" check -A --server https://127.0.0.1:1 --insecure-skip-tls-verify
same "grpcurl -protoset describe (module, protobuf)" grpcurl -protoset "$protoset" describe
echo "portable release: all checks passed"
