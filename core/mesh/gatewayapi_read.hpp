#pragma once
// Reads of Gateway API objects (gateway.networking.k8s.io) for the commands,
// from the cluster or from manifests (core/mesh/cluster_state.hpp): which API
// a host uses, and the facts of init, expose and tls with --api gateway-api.

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/gatewayapi/api.hpp"
#include "core/gatewayapi/expose.hpp"
#include "core/gatewayapi/stream.hpp"
#include "core/gatewayapi/tls.hpp"
#include "core/gatewayapi/web.hpp"
#include "core/gatewayapi/init.hpp"
#include "core/mesh/cluster_state.hpp"
#include "core/mesh/workload.hpp"

namespace grpcmesh::mesh {

// Every Gateway API Gateway (all namespaces) with a listener whose hostname
// is `host`; nothing when the Gateway API is not served or not readable.
std::vector<nlohmann::json> gateway_api_gateways_for_host(ClusterState& state, const std::string& host);

// What decides the default --api for a host: the Istio Gateways and the
// Gateway API Gateways serving it, whether the Gateway API is served, and
// whether Istio ingress gateway pods matching `selector` are there (with
// manifests that hold no Pods: a Service selecting them).
gatewayapi::ApiFacts read_api_facts(ClusterState& state, const std::string& host, const Labels& selector);

// The API a command uses for `host` (gatewayapi::choose_api): `state` is null
// with --dry-run=client, and nothing is read when --api is given.
gatewayapi::ApiChoice choose_api(ClusterState* state, const std::optional<gatewayapi::Api>& flag,
                                 const std::string& host, const Labels& selector);

// Without --gateway and --gateway-namespace, a host that already has
// listeners from init keeps them where they are: on its own Gateway (sets
// the namespace) or on a shared one (sets --gateway). Unchanged otherwise.
void find_gateway_init_target(ClusterState& state, gatewayapi::InitOptions& options);

gatewayapi::InitFacts read_gateway_init_facts(ClusterState& state, const gatewayapi::InitOptions& options);

// The host's Gateways (--gateway, else those with a listener for the host;
// none is an error naming init), its GRPCRoute, the Service, the
// ReferenceGrant, and the other routes for the host.
gatewayapi::ExposeFacts read_gateway_expose_facts(ClusterState& state, const gatewayapi::ExposeOptions& options);

// The Gateway with the host's HTTPS listener (--gateway, else the one whose
// listener init named, else any HTTPS listener for the host), the Secret
// and the ReferenceGrant as they are.
gatewayapi::TlsFacts read_gateway_tls_facts(ClusterState& state, const gatewayapi::TlsOptions& options);

// The host's Gateway (--gateway, else the first with a listener for the
// host; none is an error naming init, except for --remove) and the
// EnvoyFilters of its namespace.
gatewayapi::WebFacts read_gateway_web_facts(ClusterState& state, const gatewayapi::WebOptions& options);

// The host's Gateway (the first with a listener for the host; none is an
// error naming init), the GRPCRoutes and HTTPRoutes, the DestinationRules,
// and the Gateway's pods (label gateway.networking.k8s.io/gateway-name) with
// the mesh config and Istio's version.
gatewayapi::StreamFacts read_gateway_stream_facts(ClusterState& state, const stream::StreamOptions& options);

}  // namespace grpcmesh::mesh
