#pragma once
// Cluster reads shared by the commands: discovery of the Istio API version,
// the gateway workload, and the Istio objects serving a host.

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/kube/client.hpp"
#include "core/mesh/workload.hpp"

namespace grpcmesh::mesh {

// "networking.istio.io/v1" where served, else ".../v1beta1". Throws
// grpcmesh::Error saying Istio is not installed when neither is served.
std::string istio_api_version(kube::Client& client);

// Lists a kind (all namespaces when `namespace_name` is empty). A 403 throws
// grpcmesh::Error with the server's message and `hint`.
std::vector<nlohmann::json> list_or_throw(kube::Client& client, const kube::GroupKind& kind,
                                          const std::string& namespace_name, const std::string& label_selector,
                                          const std::string& hint);

// The same, but a 403 gives nothing (for optional context such as other
// teams' VirtualServices).
std::vector<nlohmann::json> list_or_empty(kube::Client& client, const kube::GroupKind& kind,
                                          const std::string& namespace_name);

std::optional<nlohmann::json> get_object(kube::Client& client, const kube::GroupKind& kind,
                                         const std::string& namespace_name, const std::string& name);

// The gateway workload for `selector` (optionally within one namespace).
GatewayWorkload read_gateway_workload(kube::Client& client, const Labels& selector,
                                      const std::string& namespace_hint);

}  // namespace grpcmesh::mesh
