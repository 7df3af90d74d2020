#pragma once

#include <functional>
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

// Every place Istio looks a credential up: each Gateway's servers using one,
// in each namespace its workload runs in (Gateway, Service and, when
// declared, Pod read through `ctx`).
void for_each_credential_lookup(
    const Context& ctx,
    const std::function<void(const Resource& gateway, const std::string& ns, const CredentialUse& use)>& visit);

}  // namespace grpcmesh::check
