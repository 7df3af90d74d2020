#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/mesh/cluster_state.hpp"
#include "core/mesh/change_set.hpp"
#include "core/mesh/host_config.hpp"
#include "core/mesh/workload.hpp"

namespace grpcmesh::mesh {

// `init`: the Gateway for a host.
struct InitOptions {
  std::string host;
  Labels selector{{"istio", "ingressgateway"}};
  std::string gateway_namespace;  // "" = the gateway pods' namespace
  bool https = false;             // --https (the default unless --plaintext)
  bool plaintext = false;         // --plaintext: an h2c server
  std::optional<int> https_port;
  std::optional<int> plaintext_port;
  std::string credential_name;  // "" = as bound already, else derived from the host
  std::string client_ca_pem;    // --client-ca: tls.mode MUTUAL
  bool remove = false;
};

// What init needs to know about the cluster (or, with --dry-run=client,
// what the flags say instead).
struct InitFacts {
  std::string api_version = "networking.istio.io/v1";
  GatewayWorkload workload;
  bool ports_known = false;                     // false: no exposure check (client dry run)
  std::optional<nlohmann::json> gateway;        // the host's Gateway as it is now
  std::optional<nlohmann::json> ca_secret;      // its "<credential>-cacert" Secret as it is now
  std::optional<bool> credential_exists;        // nothing when unknown
  std::vector<ServerRef> other_servers;         // servers of other Gateways for the host
};

InitFacts read_init_facts(ClusterState& state, const InitOptions& options);
// --dry-run=client: every fact from flags; a missing one is a UsageError naming the flag.
InitFacts init_facts_from_flags(const InitOptions& options);

// The Secret the host's HTTPS server uses: --credential-name, else the one
// already bound on our Gateway, else derived from the host.
std::string init_credential_name(const InitOptions& options, const std::optional<nlohmann::json>& gateway);

ChangeSet plan_init(const InitOptions& options, const InitFacts& facts);

}  // namespace grpcmesh::mesh
