#include "core/stream/gateway_read.hpp"

#include "core/kube/resource.hpp"
#include "core/mesh/cluster_read.hpp"
#include "core/util/error.hpp"
#include "core/util/yaml.hpp"

namespace grpcmesh::stream {

bool binds_to(const nlohmann::json& vs, const std::vector<mesh::ServerRef>& servers) {
  const std::string ns = vs.value("/metadata/namespace"_json_pointer, std::string());
  for (const auto& g : vs.value("/spec/gateways"_json_pointer, nlohmann::json::array())) {
    if (!g.is_string()) {
      continue;
    }
    std::string ref = g.get<std::string>();
    if (ref.find('/') == std::string::npos) {
      ref = ns + "/" + ref;
    }
    for (const auto& s : servers) {
      if (s.ref() == ref) {
        return true;
      }
    }
  }
  return false;
}

HostObjects read_host_objects(mesh::ClusterState& state, const std::string& host) {
  HostObjects out;
  out.servers = mesh::servers_for_host(
      mesh::list_or_throw(state, kube::kinds::kIstioGateway, "", "", "grant list on gateways.networking.istio.io"),
      host);
  for (const auto& vs : mesh::virtual_services_for_host(
           mesh::list_or_throw(state, kube::kinds::kVirtualService, "", "",
                               "grant list on virtualservices.networking.istio.io"),
           host)) {
    if (binds_to(vs, out.servers)) {
      out.virtual_services.push_back(vs);
    }
  }
  return out;
}

std::string read_istio_version(mesh::ClusterState& state, const std::string& root_namespace) {
  try {
    auto d = mesh::get_object(state, kube::kinds::kDeployment, root_namespace, "istiod");
    if (!d) {
      return "";
    }
    for (const auto& c : d->value("/spec/template/spec/containers"_json_pointer, nlohmann::json::array())) {
      const std::string image = c.value("image", "");
      const size_t colon = image.rfind(':');
      if (colon != std::string::npos && image.find('/', colon) == std::string::npos) {
        return image.substr(colon + 1);
      }
    }
  } catch (const Error&) {
    // not readable: the version stays unknown
  }
  return "";
}

nlohmann::json read_mesh_config(mesh::ClusterState& state, const std::string& root_namespace) {
  try {
    auto cm = mesh::get_object(state, kube::kinds::kConfigMap, root_namespace, "istio");
    if (cm && cm->contains("/data/mesh"_json_pointer)) {
      return yaml::parse(cm->at("data").at("mesh").get<std::string>(), "ConfigMap " + root_namespace + "/istio");
    }
  } catch (const Error&) {
    // not readable or not YAML: unknown
  }
  return nullptr;
}

}  // namespace grpcmesh::stream
