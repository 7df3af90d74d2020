#pragma once
// The timeouts a long-lived gRPC stream through the gateway meets, in the
// order it meets them, each with the object it comes from.

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/stream/gateway_settings.hpp"

namespace grpcmesh::stream {

struct ChainLink {
  std::string stage;   // "client deadline", "gateway route timeout", ...
  std::string value;   // "30s", "none", "disabled", ...
  std::string source;  // the object and field, or who decides
  bool cuts = false;   // does it end a healthy long-lived stream?
};

// The chain for a host: client deadline -> gateway route timeout, retries and
// per-try timeout (links for each selected route of `virtual_services`; the
// retries as Istio generates them, from the route's retries block or else
// `mesh_retry_default`, meshConfig.defaultHttpRetryPolicy) -> gateway request timeout and
// stream idle (from `gateway`) -> upstream idle and TCP keepalive (one link
// each per DestinationRule in `destination_rules`, or Istio's defaults for a
// backend in `backends` that has none). Objects as the API returns them
// (or as planned).
std::vector<ChainLink> timeout_chain(const std::vector<nlohmann::json>& virtual_services,
                                     const std::vector<std::string>& prefixes, const GatewayTimeouts& gateway,
                                     const std::vector<std::string>& backends,
                                     const std::vector<nlohmann::json>& destination_rules,
                                     const nlohmann::json& mesh_retry_default = nullptr);

// Aligned text with a header: STAGE VALUE SOURCE (a '!' marks what cuts).
std::string format_chain(const std::vector<ChainLink>& chain);

}  // namespace grpcmesh::stream
