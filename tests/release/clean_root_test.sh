#!/usr/bin/env bash
# Runs the released binary in a minimal Debian root that has only the runtime
# packages docs/install.md documents, none of the build's -dev packages.
#
# Usage: tests/release/clean_root_test.sh ARCHIVE
#
# The root (debootstrap --variant=minbase of Debian bookworm) is built once into
# $GRPCMESH_CACHE/roots/ (default ~/.cache/kubectl-grpcmesh) and reused; its
# name carries a hash of the package list, so changing the list builds a new
# one. Needs root (chroot) and, on the first run, the Debian mirror
# ($GRPCMESH_DEBIAN_MIRROR, default http://deb.debian.org/debian).
set -euo pipefail

archive=${1:?usage: clean_root_test.sh ARCHIVE}
[ -f "$archive" ] || { echo "clean-root: archive $archive not found (run scripts/release.sh first)" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || { echo "clean-root: needs root for debootstrap and chroot" >&2; exit 1; }
command -v debootstrap >/dev/null || { echo "clean-root: debootstrap not found (apt-get install debootstrap)" >&2; exit 1; }

root_dir=$(cd "$(dirname "$0")/../.." && pwd)
# The runtime packages, exactly as docs/install.md lists them
# (the core list and the one the grpcurl module needs).
mapfile -t runtime < <(sed -n '/<!-- \(grpc-\)\{0,1\}runtime-packages -->/,/<!-- \/\(grpc-\)\{0,1\}runtime-packages -->/p' \
  "$root_dir/docs/install.md" | grep -oE '^ *[a-z0-9][a-z0-9.+-]+ *$' | tr -d ' ')
[ ${#runtime[@]} -gt 0 ] || { echo "clean-root: no runtime packages found in docs/install.md" >&2; exit 1; }
include=$(IFS=,; echo "${runtime[*]}")

roots_prog=clean-root
# shellcheck source=tests/release/roots.sh
. "$root_dir/tests/release/roots.sh"
key=$(printf '%s\n' bookworm minbase "$include" | sha256sum | cut -c1-12)
chroot_dir=$(debian_root "bookworm-minbase-$key" bookworm amd64 --include="$include")

# The root must not have any of the build's development packages.
dev=$(chroot "$chroot_dir" dpkg-query -W -f='${Package}\n' | grep -E -- '-dev$' || true)
if [ -n "$dev" ]; then
  echo "clean-root: the root has development packages: $dev" >&2
  exit 1
fi

enter_root "$chroot_dir"
trap leave_root EXIT
work="$chroot_dir/tmp/grpcmesh-release"
tar -xzf "$archive" -C "$work"
inner=/tmp/grpcmesh-release
status=0
out=$(chroot "$chroot_dir" /usr/bin/env -i PATH="$inner:/usr/bin:/bin" "$inner/kubectl-grpcmesh" version 2>&1) || status=$?
if [ $status -ne 0 ]; then
  echo "clean-root: 'kubectl-grpcmesh version' failed in the minimal root (exit $status): $out" >&2
  missing=$(chroot "$chroot_dir" /usr/bin/ldd "$inner/kubectl-grpcmesh" 2>/dev/null | grep 'not found' || true)
  [ -z "$missing" ] || echo "clean-root: missing libraries: $missing" >&2
  exit 1
fi
echo "$out"
# The libraries loaded on first use are there too (ldd cannot see them):
# libcrypto makes a self-signed certificate, libcurl reports a refused
# connection.
cert=$(chroot "$chroot_dir" /usr/bin/env -i PATH=/usr/bin:/bin "$inner/kubectl-grpcmesh" tls --host grpc.example.com \
  --self-signed --gateway-namespace istio-system --dry-run=client -o name 2>&1) || {
  echo "clean-root: 'tls --self-signed' failed in the minimal root (libcrypto): $cert" >&2
  exit 1
}
case $cert in
  *secret/grpc-example-com-tls*) ;;
  *) echo "clean-root: 'tls --self-signed' printed no Secret in the minimal root: $cert" >&2; exit 1 ;;
esac
refused=$(chroot "$chroot_dir" /usr/bin/env -i PATH=/usr/bin:/bin "$inner/kubectl-grpcmesh" check -A \
  --server https://127.0.0.1:1 --insecure-skip-tls-verify 2>&1 || true)
case $refused in
  *"was refused"*) ;;
  *) echo "clean-root: check did not reach libcurl in the minimal root: $refused" >&2; exit 1 ;;
esac
# kubectl's completion entry answers from the archive alone.
comp=$(chroot "$chroot_dir" /usr/bin/env -i PATH=/usr/bin:/bin "$inner/kubectl_complete-grpcmesh" vers 2>&1) || {
  echo "clean-root: kubectl_complete-grpcmesh failed in the minimal root: $comp" >&2
  exit 1
}
case $comp in
  version*) ;;
  *) echo "clean-root: kubectl_complete-grpcmesh did not complete 'vers': $comp" >&2; exit 1 ;;
esac
# The gRPC module, when shipped, finds every library it links.
if [ -f "$work/grpcmesh-grpc.so" ]; then
  missing=$(chroot "$chroot_dir" /usr/bin/ldd "$inner/grpcmesh-grpc.so" 2>&1 | grep 'not found' || true)
  if [ -n "$missing" ]; then
    echo "clean-root: grpcmesh-grpc.so misses libraries in the minimal root: $missing" >&2
    exit 1
  fi
  # grpcurl loads the module: a refused dial proves it ran.
  dial=$(chroot "$chroot_dir" /usr/bin/env -i PATH=/usr/bin:/bin \
    "$inner/kubectl-grpcmesh" grpcurl -plaintext -max-time 2 127.0.0.1:1 list 2>&1 || true)
  case $dial in
    *"failed to dial"*) ;;
    *) echo "clean-root: grpcurl did not run its module in the minimal root: $dial" >&2; exit 1 ;;
  esac
fi
