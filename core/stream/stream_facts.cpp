#include "core/kube/resource.hpp"
#include "core/mesh/cluster_read.hpp"
#include "core/stream/gateway_read.hpp"
#include "core/stream/stream_command.hpp"
#include "core/util/error.hpp"

namespace grpcmesh::stream {

StreamFacts read_stream_facts(kube::Client& client, const StreamOptions& o) {
  StreamFacts f;
  f.api_version = mesh::istio_api_version(client);
  HostObjects host = read_host_objects(client, o.host);
  f.servers = host.servers;
  f.virtual_services = host.virtual_services;
  if (f.servers.empty()) {
    return f;  // plan_stream reports it
  }
  f.destination_rules = mesh::list_or_empty(client, kube::kinds::kDestinationRule, "");
  const mesh::Labels& selector = f.servers.front().selector;
  const mesh::GatewayWorkload workload = mesh::read_gateway_workload(client, selector, "");
  f.gateway.pods = mesh::list_or_empty(client, kube::kinds::kPod, workload.namespace_name);
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
  f.gateway.mesh_config = read_mesh_config(client, "istio-system");
  f.gateway.istio_version = read_istio_version(client, "istio-system");
  f.gateway_deployment =
      gateway_deployment(mesh::list_or_empty(client, kube::kinds::kDeployment, workload.namespace_name), selector);
  return f;
}

}  // namespace grpcmesh::stream
