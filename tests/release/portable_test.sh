#!/usr/bin/env bash
# The portable release archives (scripts/release.sh --portable, built with
# Zig against the static libraries of scripts/build-release-deps.sh):
#  - both archives (linux/amd64, linux/arm64) and the Krew manifest are built;
#  - the binary and the gRPC module of each need no glibc symbol version above
#    GLIBC_2.28, no GLIBCXX/CXXABI/GCC version, and no shared library but
#    libc, libm, libdl, libpthread and the dynamic loader;
#  - the amd64 archive runs in clean minimal roots of the oldest and the
#    newest Debian suites the mirror serves (bullseye, sid), the arm64 archive
#    in a clean arm64 bookworm root (unpacked by debootstrap --foreign) under
#    qemu-aarch64-static, called directly (no binfmt); nothing is added to the
#    roots. In each: `version`, `completion bash`, `check --offline -f` on a
#    fixture, `init --dry-run=server` against the test control plane, grpcurl
#    calls to the test server in plaintext and over TLS with -cacert (and
#    refused without it), `grpcurl -protoset ... describe`, `check` against a
#    refused port (libcurl), `tls --self-signed` (OpenSSL). Each must print
#    what the developer build DEV_BINARY prints, with the same exit code;
#  - the real krew installs each archive from the manifest (KREW_ARCH=arm64
#    for the arm64 one), and the installed binary runs.
#
# Usage: tests/release/portable_test.sh DEV_BINARY WORK_DIR
#   GRPCMESH_E2E_ENV           the control plane's env file (the ctest fixture
#                              "controlplane" starts it)
#   GRPCMESH_RELEASE_PORTABLE  0 skips the test
#
# Exits 77 (ctest: skipped), saying why, with GRPCMESH_RELEASE_PORTABLE=0 or
# where the release dependencies are not in the cache: building them from
# cold takes longer than a CI run can spend (docs/development.md). With them
# cached, both archives are rebuilt through ccache (scripts/release.sh).
# The roots are built once into $GRPCMESH_CACHE/roots/ (tests/release/roots.sh).
set -euo pipefail

dev=${1:?usage: portable_test.sh DEV_BINARY WORK_DIR}
work=${2:?usage: portable_test.sh DEV_BINARY WORK_DIR}
root_dir=$(cd "$(dirname "$0")/../.." && pwd)
cache=${GRPCMESH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kubectl-grpcmesh}
deps_env="$cache/release/release-deps.env"

skip() {
  echo "portable release: SKIPPED: $*"
  exit 77
}
fail() {
  echo "portable release: FAIL: $*" >&2
  exit 1
}

# --- Where the release dependencies are cached ------------------------------
[ "${GRPCMESH_RELEASE_PORTABLE:-1}" != 0 ] || skip "GRPCMESH_RELEASE_PORTABLE=0"
[ -f "$deps_env" ] || skip "the release dependencies are not cached ($deps_env is missing); build them with scripts/build-release-deps.sh (about 18 minutes cold)"
for arch in amd64 arm64; do
  prefix=$(sed -n "s/^GRPCMESH_RELEASE_DEPS_${arch^^}=//p" "$deps_env")
  for lib in zlib yaml nghttp2 openssl curl protobuf; do
    [ -n "$prefix" ] && [ -f "$prefix/.built-$lib" ] ||
      skip "the $arch release dependencies are not all cached (no $lib); build them with scripts/build-release-deps.sh"
  done
done
command -v qemu-aarch64-static >/dev/null || fail "qemu-aarch64-static not found (apt-get install qemu-user-static)"
command -v readelf >/dev/null || fail "readelf not found (apt-get install binutils)"
chroot=$(command -v chroot) || fail "chroot not found (apt-get install coreutils)"
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

# --- The control plane, and test servers in plaintext and over TLS ------------
env_file=${GRPCMESH_E2E_ENV:-}
[ -f "$env_file" ] || fail "no control plane env file (GRPCMESH_E2E_ENV='$env_file'): run this test through ctest, whose fixture starts the control plane"
cp_value() {
  local v
  v=$(sed -n "s/^$1=//p" "$env_file" | tail -1)
  [ -n "$v" ] || fail "the control plane env file has no $1"
  echo "$v"
}
kubeconfig=$(cp_value KUBECONFIG)
testserver=$(cp_value GRPCMESH_TESTSERVER)
krew=$(cp_value KREW)

servers=()
cleanup() {
  local pid
  for pid in ${servers[@]+"${servers[@]}"}; do kill "$pid" 2>/dev/null || true; done
  leave_root
}
roots_prog="portable release"
# shellcheck source=tests/release/roots.sh
. "$root_dir/tests/release/roots.sh"
trap cleanup EXIT

pki="$work/pki"
rm -rf "$pki" && mkdir -p "$pki"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=grpcmesh-release-ca \
  -keyout "$pki/ca.key" -out "$pki/ca.crt" 2>/dev/null || fail "openssl could not make the test CA"
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=127.0.0.1 \
  -keyout "$pki/server.key" -out "$pki/server.csr" 2>/dev/null || fail "openssl could not make the server key"
printf 'subjectAltName=IP:127.0.0.1\n' > "$pki/server.cnf"
openssl x509 -req -in "$pki/server.csr" -CA "$pki/ca.crt" -CAkey "$pki/ca.key" -CAcreateserial -days 1 \
  -extfile "$pki/server.cnf" -out "$pki/server.crt" 2>/dev/null || fail "openssl could not sign the server certificate"

# start_server NAME FLAGS...: the test server on a free loopback port; sets
# server_port.
start_server() {
  local name=$1 line="" i
  shift
  "$testserver" "$@" >"$work/$name.out" 2>"$work/$name.err" &
  servers+=($!)
  for i in $(seq 100); do
    line=$(grep -m1 '^listening on ' "$work/$name.out" || true)
    [ -z "$line" ] || break
    sleep 0.1
  done
  [ -n "$line" ] || fail "the $name test server did not start: $(cat "$work/$name.err")"
  server_port=${line##*:}
}
start_server plaintext
plain_port=$server_port
start_server tls --tls-cert "$pki/server.crt" --tls-key "$pki/server.key"
tls_port=$server_port

# --- Clean roots -------------------------------------------------------------------
roots=(bullseye-amd64 sid-amd64 bookworm-arm64)
declare -A root_of
root_of[bullseye-amd64]=$(debian_root bullseye-amd64-minbase bullseye amd64) || fail "no bullseye root"
root_of[sid-amd64]=$(debian_root sid-amd64-minbase sid amd64) || fail "no sid root"
root_of[bookworm-arm64]=$(debian_root bookworm-arm64-minbase-foreign bookworm arm64 --foreign) || fail "no arm64 root"
[ -e "${root_of[bookworm-arm64]}/lib/ld-linux-aarch64.so.1" ] || fail "the arm64 root has no ld-linux-aarch64.so.1"
# --- Each archive, in each root, does what the developer build does -------------------
fixture="$root_dir/tests/testdata/check/gm0007-grpc-under-tcp"
protoset="$root_dir/tests/testdata/grpc/shapes.protoset"
inner=/tmp/grpcmesh-release
# For the root the loop below is in ($r, $root, $w, $qemu):
# in_root ARGS...: the archive's binary in the root (its working directory is
# the root's /); on_dev ARGS...: the developer build, from the root's
# directory on this machine, so that relative paths name the same files.
in_root() {
  env -i PATH=/usr/bin:/bin HOME=$inner KUBECONFIG=$inner/kubeconfig KUBECACHEDIR=$inner/kube-cache \
    "$chroot" "$root" ${qemu[@]+"${qemu[@]}"} "$inner/kubectl-grpcmesh" "$@"
}
on_dev() {
  (cd "$root" && env -i PATH=/usr/bin:/bin HOME="$w" KUBECONFIG="$w/kubeconfig" KUBECACHEDIR="$w/kube-cache-dev" \
    "$dev" "$@")
}
# same LABEL ARGS...: the same output (stdout and stderr) and exit code.
same() {
  local label=$1 want got rc_want=0 rc_got=0
  shift
  want=$(on_dev "$@" 2>&1) || rc_want=$?
  [ -n "$want" ] || fail "the developer build printed nothing for $label"
  got=$(in_root "$@" 2>&1) || rc_got=$?
  if [ "$got" != "$want" ] || [ $rc_got != $rc_want ]; then
    diff <(echo "$want") <(echo "$got") | head -20 >&2 || true
    fail "$r: '$label' differs from the developer build (exit $rc_got, want $rc_want)"
  fi
  echo "portable release: $r: $label (exit $rc_want)"
}

for r in "${roots[@]}"; do
  arch=${r#*-}
  root=${root_of[$r]}
  enter_root "$root" || fail "cannot enter the $r root"
  w="$root$inner"
  tar -xzf "$work/dist/kubectl-grpcmesh_${version#v}_linux_$arch.tar.gz" -C "$w"
  cp -r "$fixture" "$w/fixture"
  cp "$protoset" "$w/shapes.protoset"
  cp "$kubeconfig" "$w/kubeconfig"
  cp "$pki/ca.crt" "$w/ca.crt"
  qemu=()
  if [ $arch = arm64 ]; then
    cp "$(command -v qemu-aarch64-static)" "$w/qemu-aarch64-static"
    qemu=("$inner/qemu-aarch64-static")
  fi
  out=$(in_root version -o json 2>&1) || fail "$r: version failed: $out"
  grep -q "\"version\": \"$version\"" <<<"$out" || fail "$r: version does not report $version: $out"
  echo "portable release: $r: version reports $version"
  if [ $arch = amd64 ]; then
    # kubectl's completion entry (a shell script) runs the binary next to it.
    comp=$(env -i PATH=/usr/bin:/bin "$chroot" "$root" "$inner/kubectl_complete-grpcmesh" vers 2>&1) ||
      fail "$r: kubectl_complete-grpcmesh failed: $comp"
    case $comp in version*) ;; *) fail "$r: kubectl_complete-grpcmesh did not complete 'vers': $comp" ;; esac
    echo "portable release: $r: kubectl_complete-grpcmesh completes 'vers'"
  fi
  same "completion bash" completion bash
  same "__complete vers" __complete vers
  same "check --offline -f" check --offline -f "${inner#/}/fixture"
  same "init --dry-run=server" init --host release.example.com --dry-run=server -o name
  same "grpcurl -plaintext" grpcurl -plaintext -d '{"name": "root"}' "127.0.0.1:$plain_port" helloworld.Greeter/SayHello
  same "grpcurl -cacert (TLS)" grpcurl -cacert "${inner#/}/ca.crt" -d '{"name": "root"}' "127.0.0.1:$tls_port" \
    helloworld.Greeter/SayHello
  same "grpcurl without -cacert (refused)" grpcurl -d '{"name": "root"}' "127.0.0.1:$tls_port" helloworld.Greeter/SayHello
  same "grpcurl -protoset describe" grpcurl -protoset "${inner#/}/shapes.protoset" describe
  same "check against a refused port (libcurl)" check -A --server https://127.0.0.1:1 --insecure-skip-tls-verify
  # A new key each run: the Secret's name (stdout) must match, and the
  # certificate's summary (stderr) name its key type.
  out=$(in_root tls --host grpc.example.com --self-signed --gateway-namespace istio-system --dry-run=client -o name \
    2>"$work/tls.err") || fail "$r: tls --self-signed failed: $(cat "$work/tls.err")"
  [ "$out" = "secret/grpc-example-com-tls" ] || fail "$r: tls --self-signed printed '$out'"
  grep -q 'holds the certificate for grpc.example.com (ECDSA P-256' "$work/tls.err" ||
    fail "$r: tls --self-signed did not describe an ECDSA P-256 certificate: $(cat "$work/tls.err")"
  echo "portable release: $r: tls --self-signed makes its certificate (OpenSSL)"
  leave_root
done

# --- The real krew installs each platform's archive ----------------------------------
for arch in amd64 arm64; do
  krew_root="$work/krew-$arch"
  rm -rf "$krew_root"
  archive="$work/dist/kubectl-grpcmesh_${version#v}_linux_$arch.tar.gz"
  out=$(env -i PATH=/usr/bin:/bin HOME="$krew_root" KREW_ROOT="$krew_root" KREW_OS=linux KREW_ARCH=$arch \
    "$krew" install --manifest="$manifest" --archive="$archive" 2>&1) || fail "krew install ($arch) failed: $out"
  grep -q 'Installed plugin: grpcmesh' <<<"$out" || fail "krew install ($arch) did not install grpcmesh: $out"
  run=("$krew_root/bin/kubectl-grpcmesh")
  [ $arch = amd64 ] || run=(qemu-aarch64-static -L "${root_of[bookworm-arm64]}" "$(readlink -f "$krew_root/bin/kubectl-grpcmesh")")
  out=$(env -i PATH=/usr/bin:/bin "${run[@]}" version 2>&1) || fail "$arch: the binary krew installed does not run: $out"
  case $out in "kubectl-grpcmesh $version"*) ;; *) fail "$arch: the binary krew installed printed: $out" ;; esac
  echo "portable release: krew installs the $arch archive, and it runs ($out)"
done
echo "portable release: all checks passed"
