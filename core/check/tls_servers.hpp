#pragma once

#include <functional>
#include <string>
#include <vector>

#include "core/check/analyzer.hpp"
#include "core/tls/leaf_facts.hpp"

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

// What a usable certificate served for `hosts` says, reported on `gateway`
// (Istio's or the Gateway API's): expired, expiring within 30 days, not yet
// valid, not matching its key (on the first host), and each host but `*`
// its names do not cover (GM0025 to GM0029). `secret` is NAMESPACE/NAME.
void report_certificate_facts(Context& ctx, const Resource& gateway, const std::string& secret,
                              const tls::LeafFacts& cert, bool key_matches, const std::vector<std::string>& hosts);

}  // namespace grpcmesh::check
