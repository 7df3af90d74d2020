#!/usr/bin/env bash
# Installs the Debian packages the build and the tests need. Idempotent: does
# nothing (and needs no network) when every package is already installed.
set -euo pipefail
pkgs=(
  build-essential cmake ninja-build pkg-config git ca-certificates
  libcli11-dev libyaml-dev nlohmann-json3-dev libcurl4-openssl-dev libssl-dev libnghttp2-dev
  doctest-dev libfmt-dev
  libgrpc++-dev libprotobuf-dev libprotoc-dev protobuf-compiler protobuf-compiler-grpc
  openssl curl python3 iproute2 procps strace
  debootstrap zsh fish qemu-user-static
  clang libclang-rt-14-dev ccache
)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "installing: ${missing[*]}" >&2
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
