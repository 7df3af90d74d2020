#pragma once
// `web --api gateway-api`: gRPC-Web with CORS for a host served by a Gateway
// API Gateway of class istio. What Istio's generator does, and so what this
// writes (tests/peers/istio/oracle/gatewayapi_facts_test.go,
// docs/gateway-api-istio.md):
// - Istio adds no grpc_web filter to a Gateway API listener (protocol HTTP
//   or HTTPS): one EnvoyFilter in the Gateway's namespace, selecting the
//   gateway pods Istio deploys for it by their label
//   gateway.networking.k8s.io/gateway-name, inserts it first in the chain.
// - A GRPCRoute has no CORS filter, and its routes match the path alone (no
//   content-type, no method), so the browser's preflight and its calls reach
//   them; an HTTPRoute rule with the CORS filter for the same service sorts
//   after the GRPCRoute's (Istio orders merged rules by path length, and
//   trims an HTTPRoute prefix's last slash) and is never reached. So the
//   CORS policy goes on the host's virtual host (an EnvoyFilter patch of
//   VIRTUAL_HOST matching the host's domain), which every route of the host
//   without a policy of its own inherits: Envoy's cors filter answers the
//   preflight and adds the headers to the answers.

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/manifest/cors_policy.hpp"
#include "core/mesh/change_set.hpp"

namespace grpcmesh::gatewayapi {

// The label Istio's deployment controller gives the pods of a Gateway.
inline constexpr const char* kGatewayNameLabel = "gateway.networking.k8s.io/gateway-name";

struct WebOptions {
  std::string host;
  manifest::CorsOptions cors;     // validated with manifest::validate_cors (not needed with remove)
  std::string gateway;            // --gateway NS/NAME: the host's Gateway
  std::string gateway_namespace;  // --dry-run=client: the host's own Gateway's namespace
  bool remove = false;
};

struct WebFacts {
  bool known = false;  // false with --dry-run=client
  std::string gateway_namespace;
  std::string gateway_name;
  std::vector<nlohmann::json> envoy_filters;  // every EnvoyFilter of the Gateway's namespace
};

// --dry-run=client: the Gateway from --gateway or --gateway-namespace (named
// after the host, as init names it).
WebFacts web_facts_from_flags(const WebOptions& options);

// "<host-object-name>-cors".
std::string cors_filter_name(const std::string& host);

// The EnvoyFilter that puts the CORS policy on the host's virtual hosts of
// the Gateway's pods: Envoy's CorsPolicy as Istio writes it for a
// VirtualService's corsPolicy (TranslateCORSPolicy in
// pilot/pkg/networking/core/route/route.go).
nlohmann::json cors_filter(const WebOptions& options, const std::string& gateway_namespace,
                           const std::string& gateway_name);

mesh::ChangeSet plan_web(const WebOptions& options, const WebFacts& facts);

}  // namespace grpcmesh::gatewayapi
