#pragma once

// The entry points of the separately loaded gRPC module (grpcmesh-grpc.so).
// The main binary does not link protobuf, so `kubectl grpcmesh version` and
// every other command start without it; `grpcurl` dlopens the module and
// calls grpcmesh_grpcurl_run with the raw argument list, and shell completion
// of `grpcurl` arguments calls grpcmesh_grpcurl_complete.
//
// The main binary carries its own C++ library (libstdc++ linked statically;
// libc++ in the portable release) while the module has another copy
// (libstdc++.so.6, which libprotobuf needs; its own static libc++ in the
// portable release): two copies of the library in one process. So what
// crosses this boundary is kept to what both copies handle alike: plain data
// and std::string (the same layout, both allocating with malloc), and the
// caller's stream buffers, which the module reads and writes through stream
// objects of its own (entry.cpp says why: never the caller's stream objects,
// whose locale the module's copy cannot look facets up in). Exceptions never
// cross: both entry points catch everything.

#include "core/kube/connection_options.hpp"
#include "core/util/streams.hpp"

extern "C" {

// Bumped whenever this struct or the meaning of a field changes.
inline constexpr int kGrpcmeshGrpcAbi = 2;

struct grpcmesh_grpcurl_call {
  int abi;                              // kGrpcmeshGrpcAbi of the caller
  int argc;                             // the arguments after "grpcurl"
  const char* const* argv;
  grpcmesh::Streams* streams;           // never null
  grpcmesh::kube::ConnectionOptions* kube;  // never null; flags after "grpcurl" may add to it
  const char* program;                  // e.g. "kubectl grpcmesh", for messages
  const char* help;                     // the command's --help text
  int descriptions;                     // completion: candidates with descriptions
};

// Runs `grpcurl`; returns the process exit code (grpcurl's: 0, 1, 2, 64+status).
typedef int (*grpcmesh_grpcurl_run_fn)(const grpcmesh_grpcurl_call* call);
int grpcmesh_grpcurl_run(const grpcmesh_grpcurl_call* call);

// Completes the last of argv (the word being completed; "" for a new word)
// after the others, writing cobra's completion protocol to streams->out.
// Never fails: on any error it offers nothing. Returns 0.
typedef int (*grpcmesh_grpcurl_complete_fn)(const grpcmesh_grpcurl_call* call);
int grpcmesh_grpcurl_complete(const grpcmesh_grpcurl_call* call);
}

#define GRPCMESH_GRPCURL_ENTRY "grpcmesh_grpcurl_run"
#define GRPCMESH_GRPCURL_COMPLETE_ENTRY "grpcmesh_grpcurl_complete"
