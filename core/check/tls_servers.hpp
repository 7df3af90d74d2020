#pragma once

#include <string>
#include <vector>

#include "core/check/analyzer.hpp"

namespace grpcmesh::check {

// A gateway server that terminates TLS with a Kubernetes secret.
struct CredentialUse {
  Node server;
  std::string credential;
  std::string mode;
  std::vector<std::string> hosts;
  int port = 0;
};

// Servers of a Gateway whose tls names a credentialName Istio looks up in
// Kubernetes (SIMPLE, MUTUAL, OPTIONAL_MUTUAL).
std::vector<CredentialUse> credential_uses(const Resource& gateway);

}  // namespace grpcmesh::check
