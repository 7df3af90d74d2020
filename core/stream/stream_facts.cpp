#include "core/kube/resource.hpp"
#include "core/mesh/cluster_read.hpp"
#include "core/stream/gateway_read.hpp"
#include "core/stream/stream_command.hpp"
#include "core/util/error.hpp"

namespace grpcmesh::stream {

StreamFacts read_stream_facts(mesh::ClusterState& state, const StreamOptions& o) {
  StreamFacts f;
  f.api_version = mesh::istio_api_version(state);
  HostObjects host = read_host_objects(state, o.host);
  f.servers = host.servers;
  f.virtual_services = host.virtual_services;
  if (f.servers.empty()) {
    return f;  // plan_stream reports it
  }
  f.destination_rules = mesh::list_or_empty(state, kube::kinds::kDestinationRule, "");
  const mesh::Labels& selector = f.servers.front().selector;
  // Manifests rarely hold the gateway pods: their Deployment is then looked
  // for in every namespace the files fill.
  const std::string workload_namespace = state.knows(kube::kinds::kPod)
                                             ? mesh::read_gateway_workload(state, selector, "").namespace_name
                                             : std::string();
  f.gateway.pods = mesh::list_or_empty(state, kube::kinds::kPod, workload_namespace);
  std::erase_if(f.gateway.pods, [&](const nlohmann::json& pod) {
    mesh::Labels labels;
    const nlohmann::json labels_json = pod.value("/metadata/labels"_json_pointer, nlohmann::json::object());
    for (const auto& [k, v] : labels_json.items()) {
      if (v.is_string()) {
        labels[k] = v.get<std::string>();
      }
    }
    return !mesh::selects(selector, labels);
  });
  f.gateway.mesh_config = read_mesh_config(state, "istio-system");
  f.gateway.istio_version = read_istio_version(state, "istio-system");
  f.gateway_deployment =
      gateway_deployment(mesh::list_or_empty(state, kube::kinds::kDeployment, workload_namespace), selector);
  return f;
}

}  // namespace grpcmesh::stream
