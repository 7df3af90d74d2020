#include <fmt/format.h>

#include "core/kube/resource.hpp"
#include "core/manifest/names.hpp"
#include "core/mesh/cluster_read.hpp"
#include "core/mesh/init_command.hpp"
#include "core/util/error.hpp"

namespace grpcmesh::mesh {

namespace {

// --remove without --gateway-namespace: the host's Gateway that init made,
// wherever it is. It records the selector and namespace it was made with, so
// removing it does not depend on passing --selector again.
std::optional<nlohmann::json> own_gateway_anywhere(ClusterState& state, const std::string& host) {
  const std::string name = manifest::host_object_name(host);
  std::optional<nlohmann::json> found;
  for (auto& g : list_or_empty(state, kube::kinds::kIstioGateway, "")) {
    if (g["metadata"].value("name", "") != name || !manifest::managed_by_us(g)) {
      continue;
    }
    if (found) {
      throw UsageError(fmt::format("kubectl-grpcmesh made a Gateway {} in namespaces {} and {}; pass "
                                   "--gateway-namespace to say which to remove",
                                   name, (*found)["metadata"].value("namespace", ""),
                                   g["metadata"].value("namespace", "")));
    }
    found = std::move(g);
  }
  return found;
}

}  // namespace

InitFacts read_init_facts(ClusterState& state, const InitOptions& o) {
  InitFacts f;
  f.api_version = istio_api_version(state);
  Labels selector = o.selector;
  std::string namespace_hint = o.gateway_namespace;
  if (o.remove && namespace_hint.empty()) {
    if (auto own = own_gateway_anywhere(state, o.host)) {
      namespace_hint = (*own)["metadata"].value("namespace", "");
      const auto& recorded = (*own)["spec"]["selector"];
      if (recorded.is_object() && !recorded.empty()) {
        selector.clear();
        for (const auto& [k, v] : recorded.items()) {
          selector[k] = v.is_string() ? v.get<std::string>() : v.dump();
        }
      }
    }
  }
  f.workload = read_gateway_workload(state, selector, namespace_hint);
  // Manifests without the gateway's Service cannot say which ports it exposes.
  f.ports_known = state.knows(kube::kinds::kPod) || !f.workload.service.empty();
  const std::string ns = f.workload.namespace_name;
  f.gateway = get_object(state, kube::kinds::kIstioGateway, ns, manifest::host_object_name(o.host));
  const std::string credential = init_credential_name(o, f.gateway);
  if (state.knows(kube::kinds::kSecret)) {  // manifests without Secrets: whether it exists is unknown
    try {
      f.credential_exists = get_object(state, kube::kinds::kSecret, ns, credential).has_value();
      f.ca_secret = get_object(state, kube::kinds::kSecret, ns, credential + "-cacert");
    } catch (const Error&) {
      // cannot read Secrets here (RBAC): the missing-secret warning is skipped
    }
  }
  for (const ServerRef& s : servers_for_host(list_or_empty(state, kube::kinds::kIstioGateway, ""), o.host)) {
    if (!(s.gateway_namespace == ns && s.gateway_name == manifest::host_object_name(o.host))) {
      f.other_servers.push_back(s);
    }
  }
  return f;
}

}  // namespace grpcmesh::mesh
