#include <algorithm>

#include "core/kube/resource.hpp"
#include "core/mesh/cluster_read.hpp"
#include "core/stream/gateway_read.hpp"
#include "core/stream/web_command.hpp"

namespace grpcmesh::stream {

WebFacts read_web_facts(mesh::ClusterState& state, const WebOptions& o) {
  WebFacts f;
  mesh::istio_api_version(state);  // a clear error when Istio is missing
  HostObjects host = read_host_objects(state, o.host);
  f.servers = host.servers;
  f.virtual_services = host.virtual_services;
  if (f.servers.empty()) {
    return f;  // plan_web reports it
  }
  f.selector = f.servers.front().selector;
  f.workload_namespace = mesh::read_gateway_workload(state, f.selector, o.gateway_namespace).namespace_name;
  f.envoy_filters = mesh::list_or_empty(state, kube::kinds::kEnvoyFilter, f.workload_namespace);
  if (o.root_namespace != f.workload_namespace) {
    auto root = mesh::list_or_empty(state, kube::kinds::kEnvoyFilter, o.root_namespace);
    f.envoy_filters.insert(f.envoy_filters.end(), root.begin(), root.end());
  }
  // The other hosts served by the same gateway pods.
  std::vector<mesh::ServerRef> workload_servers;
  for (const auto& gw : mesh::list_or_empty(state, kube::kinds::kIstioGateway, "")) {
    mesh::ServerRef ref;
    ref.gateway_namespace = gw.value("/metadata/namespace"_json_pointer, std::string());
    ref.gateway_name = gw.value("/metadata/name"_json_pointer, std::string());
    const nlohmann::json labels_json = gw.value("/spec/selector"_json_pointer, nlohmann::json::object());
    for (const auto& [k, v] : labels_json.items()) {
      if (v.is_string()) {
        ref.selector[k] = v.get<std::string>();
      }
    }
    if (ref.selector == f.selector) {
      workload_servers.push_back(ref);
    }
  }
  for (const auto& vs : mesh::list_or_empty(state, kube::kinds::kVirtualService, "")) {
    const bool the_hosts = std::any_of(f.virtual_services.begin(), f.virtual_services.end(), [&](const auto& mine) {
      return mine.value("/metadata/uid"_json_pointer, std::string()) == vs.value("/metadata/uid"_json_pointer, std::string());
    });
    if (!the_hosts && binds_to(vs, workload_servers)) {
      f.workload_virtual_services.push_back(vs);
    }
  }
  return f;
}

}  // namespace grpcmesh::stream
