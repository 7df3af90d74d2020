#pragma once
// `init --api gateway-api`: a host's listeners on a Gateway API Gateway,
// either the host's own Gateway (named after the host, created and labelled
// by init) or, with --gateway NS/NAME, an existing shared Gateway that gets
// only the host's listeners.

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/gatewayapi/gateway.hpp"
#include "core/mesh/change_set.hpp"

namespace grpcmesh::gatewayapi {

struct InitOptions {
  std::string host;
  std::string gateway;         // --gateway NS/NAME: attach to this Gateway; "" = the host's own
  std::string namespace_name;  // the host's own Gateway's namespace (--gateway-namespace, else -n)
  std::optional<std::string> gateway_class;  // --gateway-class; default istio (or as the Gateway has it)
  bool https = false;      // the default unless --plaintext
  bool plaintext = false;  // an HTTP listener, which Istio serves as h2c
  std::optional<int> https_port;
  std::optional<int> plaintext_port;
  std::string credential_name;  // "" = as bound, else derived from the host
  std::string client_ca_pem;    // --client-ca: the Gateway's spec.tls.frontend validation (gateway.hpp)
  bool remove = false;
};

struct InitFacts {
  bool known = false;                      // false with --dry-run=client: nothing read
  std::optional<nlohmann::json> gateway;   // the target Gateway as it is now
  std::vector<nlohmann::json> other_gateways;  // other Gateway API Gateways with a listener for the host
  std::optional<bool> credential_exists;   // nothing when unknown
  std::optional<nlohmann::json> client_ca;  // the host's client CA ConfigMap as it is now
};

// The Gateway the host's listeners go on: {namespace, name}.
std::pair<std::string, std::string> target_gateway(const InitOptions& options);

mesh::ChangeSet plan_init(const InitOptions& options, const InitFacts& facts);

}  // namespace grpcmesh::gatewayapi
