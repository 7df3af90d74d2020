#pragma once

#include <string>
#include <vector>

#include "core/cli/complete.hpp"

namespace grpcmesh::grpc {

// Shell completion of `grpcurl` arguments (`words` after "grpcurl", then the
// word being completed):
//   a flag name                    grpcurl's flags
//   after ADDRESS                  list, describe, the server's services and
//                                  its methods as pkg.Service/Method
//   after ADDRESS list|describe    the services
// Services and methods come from server reflection with the typed TLS flags
// (-plaintext, -cacert, -insecure, ...), within a 1s connect timeout and 2s
// in all. Any failure offers nothing and prints nothing.
cli::Completion complete_grpcurl(const std::vector<std::string>& words, const std::string& to_complete);

}  // namespace grpcmesh::grpc
