#pragma once

#include <string>
#include <vector>

#include "core/kube/connection_options.hpp"
#include "core/util/streams.hpp"

namespace grpcmesh::grpc {

// `kubectl grpcmesh grpcurl ARGS...`: parses grpcurl's argument list and runs
// it. Returns grpcurl's exit code (0, 1, 2 for usage, 64 + status code);
// throws grpcmesh::Error for expected failures.
int run_grpcurl(const std::vector<std::string>& args, Streams& streams, kube::ConnectionOptions& kube,
                const std::string& help);

}  // namespace grpcmesh::grpc
