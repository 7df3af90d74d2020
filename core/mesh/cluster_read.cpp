#include "core/mesh/cluster_read.hpp"

#include <fmt/format.h>

#include "core/kube/resource.hpp"
#include "core/util/error.hpp"

namespace grpcmesh::mesh {

std::string istio_api_version(kube::Client& client) {
  auto version = client.first_served_version("networking.istio.io", {"v1", "v1beta1"});
  if (!version) {
    throw Error("Istio is not installed: the API server does not serve networking.istio.io (v1 or v1beta1); "
                "install Istio first (istioctl install) or check --context");
  }
  return "networking.istio.io/" + *version;
}

std::vector<nlohmann::json> list_or_throw(kube::Client& client, const kube::GroupKind& kind,
                                          const std::string& namespace_name, const std::string& label_selector,
                                          const std::string& hint) {
  const kube::ApiResource resource = client.resolve(kind);
  kube::ListResult r = client.list(resource, kube::ListOptions{namespace_name, label_selector, "", 500});
  if (r.forbidden) {
    throw Error(fmt::format("{}{}", r.message, hint.empty() ? "" : "; " + hint));
  }
  return r.items;
}

std::vector<nlohmann::json> list_or_empty(kube::Client& client, const kube::GroupKind& kind,
                                          const std::string& namespace_name) {
  const kube::ApiResource resource = client.resolve(kind);
  kube::ListResult r = client.list(resource, kube::ListOptions{namespace_name, "", "", 500});
  return r.forbidden ? std::vector<nlohmann::json>{} : r.items;
}

std::optional<nlohmann::json> get_object(kube::Client& client, const kube::GroupKind& kind,
                                         const std::string& namespace_name, const std::string& name) {
  return client.get(client.resolve(kind), namespace_name, name);
}

GatewayWorkload read_gateway_workload(kube::Client& client, const Labels& selector,
                                      const std::string& namespace_hint) {
  auto pods = list_or_throw(client, kube::kinds::kPod, namespace_hint, format_selector(selector),
                            namespace_hint.empty() ? "pass --gateway-namespace to look in one namespace only" : "");
  GatewayWorkload w = find_gateway_workload(selector, pods, {}, namespace_hint);
  auto services = list_or_throw(client, kube::kinds::kService, w.namespace_name, "", "");
  return find_gateway_workload(selector, pods, services, namespace_hint);
}

}  // namespace grpcmesh::mesh
