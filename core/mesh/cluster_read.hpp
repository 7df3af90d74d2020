#pragma once
// Reads shared by the commands, from the cluster or from manifests
// (core/mesh/cluster_state.hpp): the Istio API version, the gateway
// workload, and the Istio objects serving a host.

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/kube/client.hpp"
#include "core/mesh/cluster_state.hpp"
#include "core/mesh/workload.hpp"

namespace grpcmesh::mesh {

// "networking.istio.io/v1" where served, else ".../v1beta1". Throws
// grpcmesh::Error saying Istio is not installed when neither is served.
std::string istio_api_version(ClusterState& state);

// Lists a kind (all namespaces when `namespace_name` is empty). A 403 throws
// grpcmesh::Error with the server's message and `hint`.
std::vector<nlohmann::json> list_or_throw(ClusterState& state, const kube::GroupKind& kind,
                                          const std::string& namespace_name, const std::string& label_selector,
                                          const std::string& hint);
std::vector<nlohmann::json> list_or_throw(kube::Client& client, const kube::GroupKind& kind,
                                          const std::string& namespace_name, const std::string& label_selector,
                                          const std::string& hint);

// The same, but a 403 gives nothing (for optional context such as other
// teams' VirtualServices).
std::vector<nlohmann::json> list_or_empty(ClusterState& state, const kube::GroupKind& kind,
                                          const std::string& namespace_name);
std::vector<nlohmann::json> list_or_empty(kube::Client& client, const kube::GroupKind& kind,
                                          const std::string& namespace_name);

std::optional<nlohmann::json> get_object(ClusterState& state, const kube::GroupKind& kind,
                                         const std::string& namespace_name, const std::string& name);

// The gateway workload for `selector` (optionally within one namespace).
// When the state holds no Pods (manifests), the workload is the one in
// `namespace_hint` with the Service there that selects `selector`, if any;
// without a hint it throws UsageError naming --gateway-namespace.
GatewayWorkload read_gateway_workload(ClusterState& state, const Labels& selector,
                                      const std::string& namespace_hint);

}  // namespace grpcmesh::mesh
