#pragma once

// The one entry point of the separately loaded gRPC module (grpcmesh-grpc.so).
// The main binary does not link gRPC, so `kubectl grpcmesh version` and every
// other command start in milliseconds; `grpcurl` dlopens the module and calls
// grpcmesh_grpcurl_run with the raw argument list.

#include "core/kube/connection_options.hpp"
#include "core/util/streams.hpp"

extern "C" {

// Bumped whenever this struct or the meaning of a field changes.
inline constexpr int kGrpcmeshGrpcAbi = 1;

struct grpcmesh_grpcurl_call {
  int abi;                              // kGrpcmeshGrpcAbi of the caller
  int argc;                             // the arguments after "grpcurl"
  const char* const* argv;
  grpcmesh::Streams* streams;           // never null
  grpcmesh::kube::ConnectionOptions* kube;  // never null; flags after "grpcurl" may add to it
  const char* program;                  // e.g. "kubectl grpcmesh", for messages
  const char* help;                     // the command's --help text
};

// Runs `grpcurl`; returns the process exit code (grpcurl's: 0, 1, 2, 64+status).
typedef int (*grpcmesh_grpcurl_run_fn)(const grpcmesh_grpcurl_call* call);
int grpcmesh_grpcurl_run(const grpcmesh_grpcurl_call* call);
}

#define GRPCMESH_GRPCURL_ENTRY "grpcmesh_grpcurl_run"
