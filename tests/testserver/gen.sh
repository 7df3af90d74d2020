#!/usr/bin/env bash
# Regenerates gen/ from proto/ with protoc (Debian's protobuf-compiler) and the
# protoc-gen-go / protoc-gen-go-grpc versions pinned as tools in go.mod.
# Run through `go generate` in this directory.
set -euo pipefail
cd "$(dirname "$0")"
command -v protoc >/dev/null || { echo "gen.sh: protoc not found (apt-get install protobuf-compiler)" >&2; exit 1; }
bin=$(mktemp -d)
trap 'rm -rf "$bin"' EXIT
go build -o "$bin/" google.golang.org/protobuf/cmd/protoc-gen-go google.golang.org/grpc/cmd/protoc-gen-go-grpc
rm -rf gen
mkdir -p gen
PATH="$bin:$PATH" protoc -I proto \
  --go_out=gen --go_opt=module=kubectl-grpcmesh.test/testserver/gen \
  --go-grpc_out=gen --go-grpc_opt=module=kubectl-grpcmesh.test/testserver/gen \
  helloworld/helloworld.proto grpcmesh/test/v1/test.proto
