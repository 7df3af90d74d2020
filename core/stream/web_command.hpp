#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/mesh/cluster_state.hpp"
#include "core/manifest/cors_policy.hpp"
#include "core/mesh/change_set.hpp"
#include "core/mesh/host_config.hpp"
#include "core/mesh/workload.hpp"

namespace grpcmesh::stream {

// `web`: gRPC-Web for a host that browsers can really use.
struct WebOptions {
  std::string host;
  manifest::CorsOptions cors;  // validated with manifest::validate_cors (not needed with remove)
  mesh::Labels selector{{"istio", "ingressgateway"}};  // --dry-run=client: the gateway pods' labels
  std::string gateway_namespace;                        // --dry-run=client: their namespace
  std::string root_namespace = "istio-system";
  std::string field_manager = "kubectl-grpcmesh";
  bool force = false;
  bool remove = false;
};

struct WebFacts {
  bool live = true;  // false with --dry-run=client
  std::vector<mesh::ServerRef> servers;             // Gateway servers for the host
  std::vector<nlohmann::json> virtual_services;     // the host's, bound to those Gateways
  mesh::Labels selector;                            // the gateway workload's labels
  std::string workload_namespace;
  std::vector<nlohmann::json> envoy_filters;        // in the workload's and the root namespace
  std::vector<nlohmann::json> workload_virtual_services;  // other hosts' on the same workload
};

WebFacts read_web_facts(mesh::ClusterState& state, const WebOptions& options);
WebFacts web_facts_from_flags(const WebOptions& options);

// An EnvoyFilter in `filters` that already adds grpc_web to the workload
// (in its namespace or the root namespace, selecting it or everything).
std::optional<nlohmann::json> equivalent_grpc_web_filter(const std::vector<nlohmann::json>& filters,
                                                         const mesh::Labels& selector,
                                                         const std::string& workload_namespace,
                                                         const std::string& root_namespace);

// Does a VirtualService carry a gRPC-Web CORS policy (allowHeaders with x-grpc-web)?
bool uses_grpc_web(const nlohmann::json& virtual_service);
// Whether an http route carries the CORS policy web sets (it allows the
// x-grpc-web header).
bool has_grpc_web_cors(const nlohmann::json& route);

mesh::ChangeSet plan_web(const WebOptions& options, const WebFacts& facts);

}  // namespace grpcmesh::stream
