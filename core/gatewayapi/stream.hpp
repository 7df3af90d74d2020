#pragma once
// `stream --api gateway-api`: long-lived gRPC streams through a Gateway API
// Gateway of class istio. What governs them, from Istio's generator
// (tests/peers/istio/oracle/gatewayapi_facts_test.go, docs/gateway-api-istio.md):
// - A GRPCRoute has no timeouts field and Istio gives its routes no timeout
//   (0, disabled): nothing to remove. An HTTPRoute rule's timeouts.request
//   is the route's timeout and cuts streams: reported, not changed (the
//   route belongs to whoever wrote it).
// - A DestinationRule for the backend Service applies to the cluster the
//   routes send to, as with Istio's API: the connection pool settings
//   stream writes (http.idleTimeout, tcp.tcpKeepalive,
//   tcp.maxConnectionDuration) are the same objects.
// - The gateway pods are Istio's, deployed from the Gateway (istiod keeps
//   their Deployment as it renders it): --gateway-idle-timeout is not
//   offered.

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/mesh/change_set.hpp"
#include "core/stream/stream_command.hpp"

namespace grpcmesh::gatewayapi {

// What the host's routes say about streams.
struct StreamRoutes {
  std::vector<std::string> backends;  // "ns/service" of the selected rules, sorted, no duplicates
  std::vector<std::string> routes;    // "GRPCRoute ns/name", "HTTPRoute ns/name" with a selected rule
  std::vector<std::string> cutting;   // "HTTPRoute ns/name rules[i] timeouts.request 10s"
};

// The rules of `routes` (GRPCRoutes and HTTPRoutes) for `host` that
// `prefixes` select ("/pkg.Service/"; none: every rule): a GRPCRoute rule by
// its method matches (a rule without matches only when none is given), an
// HTTPRoute rule by its path matches.
StreamRoutes stream_routes(const std::vector<nlohmann::json>& routes, const std::string& host,
                           const std::vector<std::string>& prefixes);

struct StreamFacts {
  bool live = true;     // false with --dry-run=client
  std::string gateway;  // "ns/name" of the host's Gateway
  std::vector<nlohmann::json> routes;  // GRPCRoutes and HTTPRoutes for the host
  // The DestinationRules, the gateway pods (label
  // gateway.networking.k8s.io/gateway-name), mesh config and Istio version.
  stream::StreamFacts istio;
};

// --dry-run=client: the backends must be given (--backend).
StreamFacts stream_facts_from_flags(const stream::StreamOptions& options);

// --timeout and --gateway-idle-timeout are Istio's API's alone: UsageError.
void check_stream_options(const stream::StreamOptions& options);

// check_stream_options, then plans the
// DestinationRules as `stream` does for Istio's API, for the backends of
// the host's routes (or --backend).
mesh::ChangeSet plan_stream(const stream::StreamOptions& options, const StreamFacts& facts);

}  // namespace grpcmesh::gatewayapi
