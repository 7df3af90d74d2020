#include "core/mesh/cluster_read.hpp"

#include <fmt/format.h>

#include "core/kube/resource.hpp"
#include "core/util/error.hpp"

namespace grpcmesh::mesh {

std::string istio_api_version(ClusterState& state) { return state.istio_api_version(); }

std::vector<nlohmann::json> list_or_throw(ClusterState& state, const kube::GroupKind& kind,
                                          const std::string& namespace_name, const std::string& label_selector,
                                          const std::string& hint) {
  kube::ListResult r = state.list(kind, kube::ListOptions{namespace_name, label_selector, "", 500});
  if (r.forbidden) {
    throw Error(fmt::format("{}{}", r.message, hint.empty() ? "" : "; " + hint));
  }
  return r.items;
}

std::vector<nlohmann::json> list_or_throw(kube::Client& client, const kube::GroupKind& kind,
                                          const std::string& namespace_name, const std::string& label_selector,
                                          const std::string& hint) {
  LiveState state(client);
  return list_or_throw(state, kind, namespace_name, label_selector, hint);
}

std::vector<nlohmann::json> list_or_empty(ClusterState& state, const kube::GroupKind& kind,
                                          const std::string& namespace_name) {
  kube::ListResult r = state.list(kind, kube::ListOptions{namespace_name, "", "", 500});
  return r.forbidden ? std::vector<nlohmann::json>{} : r.items;
}

std::vector<nlohmann::json> list_or_empty(kube::Client& client, const kube::GroupKind& kind,
                                          const std::string& namespace_name) {
  LiveState state(client);
  return list_or_empty(state, kind, namespace_name);
}

std::optional<nlohmann::json> get_object(ClusterState& state, const kube::GroupKind& kind,
                                         const std::string& namespace_name, const std::string& name) {
  return state.get(kind, namespace_name, name);
}

GatewayWorkload read_gateway_workload(ClusterState& state, const Labels& selector,
                                      const std::string& namespace_hint) {
  if (!state.knows(kube::kinds::kPod)) {
    if (namespace_hint.empty()) {
      throw UsageError(fmt::format("the gateway pods' namespace is unknown: {} hold no Pods matching {}; pass "
                                   "--gateway-namespace (e.g. istio-system)",
                                   state.source(), format_selector(selector)));
    }
    // The pods as the selector describes them, so that the Service in front
    // of them is found as for live pods.
    nlohmann::json pod = {{"metadata", {{"namespace", namespace_hint}, {"labels", nlohmann::json::object()}}}};
    for (const auto& [k, v] : selector) {
      pod["metadata"]["labels"][k] = v;
    }
    const auto services = state.knows(kube::kinds::kService)
                              ? list_or_empty(state, kube::kinds::kService, namespace_hint)
                              : std::vector<nlohmann::json>{};
    GatewayWorkload w = find_gateway_workload(selector, {pod}, services, namespace_hint);
    w.pods.clear();
    w.ready_pods = 0;
    return w;
  }
  auto pods = list_or_throw(state, kube::kinds::kPod, namespace_hint, format_selector(selector),
                            namespace_hint.empty() ? "pass --gateway-namespace to look in one namespace only" : "");
  GatewayWorkload w = find_gateway_workload(selector, pods, {}, namespace_hint);
  auto services = list_or_throw(state, kube::kinds::kService, w.namespace_name, "", "");
  return find_gateway_workload(selector, pods, services, namespace_hint);
}

}  // namespace grpcmesh::mesh
