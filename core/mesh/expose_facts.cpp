#include <fmt/format.h>

#include <algorithm>

#include "core/kube/resource.hpp"
#include "core/manifest/names.hpp"
#include "core/mesh/cluster_read.hpp"
#include "core/mesh/expose_command.hpp"
#include "core/mesh/host_config.hpp"
#include "core/stream/gateway_read.hpp"
#include "core/stream/stream_command.hpp"
#include "core/util/error.hpp"

namespace grpcmesh::mesh {
namespace {

std::optional<int> ready_endpoints(ClusterState& state, const std::string& ns, const std::string& service) {
  if (!state.knows(kube::kinds::kEndpointSlice)) {
    return std::nullopt;  // manifests without EndpointSlices: unknown, not "none ready"
  }
  kube::ListResult r =
      state.list(kube::kinds::kEndpointSlice, kube::ListOptions{ns, "kubernetes.io/service-name=" + service, "", 500});
  if (r.forbidden) {
    return std::nullopt;
  }
  int ready = 0;
  for (const auto& slice : r.items) {
    for (const auto& e : slice.value("endpoints", nlohmann::json::array())) {
      // conditions.ready unset means ready
      if (e.value("/conditions/ready"_json_pointer, true)) {
        ready += static_cast<int>(e.value("addresses", nlohmann::json::array()).size());
      }
    }
  }
  return ready;
}

}  // namespace

std::vector<std::string> stream_settings_for_host(const std::vector<nlohmann::json>& destination_rules,
                                                  const std::string& host) {
  std::vector<std::string> out;
  for (const auto& dr : destination_rules) {
    const nlohmann::json annotations = dr.value("/metadata/annotations"_json_pointer, nlohmann::json::object());
    const nlohmann::json text = annotations.value(stream::kStreamSettingsAnnotation, nlohmann::json());
    if (!text.is_string()) {
      continue;
    }
    const nlohmann::json record = nlohmann::json::parse(text.get<std::string>(), nullptr, false);
    if (record.is_object() && record.contains(host)) {
      out.push_back(dr.value("/metadata/namespace"_json_pointer, std::string()) + "/" +
                    dr.value("/metadata/name"_json_pointer, std::string()));
    }
  }
  return out;
}

ExposeFacts read_expose_facts(ClusterState& state, const ExposeOptions& o) {
  ExposeFacts f;
  f.api_version = istio_api_version(state);
  f.service = get_object(state, kube::kinds::kService, o.namespace_name, o.service);
  if (!f.service) {
    throw Error(fmt::format("Service {}/{} not found{}; check the name and the namespace (-n {}){}", o.namespace_name,
                            o.service, state.source().empty() ? "" : " in " + state.source(), o.namespace_name,
                            state.source().empty() ? "" : ", or add the Service's manifest with -f"));
  }
  if (!o.gateway.empty()) {
    const size_t slash = o.gateway.find('/');
    const std::string ns = o.gateway.substr(0, slash);
    const std::string name = o.gateway.substr(slash + 1);
    if (!get_object(state, kube::kinds::kIstioGateway, ns, name)) {
      throw Error(fmt::format("Gateway {} not found; create it with kubectl grpcmesh init --host {}", o.gateway,
                              o.host));
    }
    f.gateways = {o.gateway};
    f.virtual_service_namespace = ns;
  } else {
    const auto gateways = list_or_throw(state, kube::kinds::kIstioGateway, o.gateway_namespace, "",
                                        "pass --gateway NAMESPACE/NAME");
    std::string ours_ns;
    for (const ServerRef& s : servers_for_host(gateways, o.host)) {
      if (std::find(f.gateways.begin(), f.gateways.end(), s.ref()) == f.gateways.end()) {
        f.gateways.push_back(s.ref());
      }
      if (s.managed_by_us && ours_ns.empty()) {
        ours_ns = s.gateway_namespace;
      }
    }
    if (f.gateways.empty()) {
      throw Error(fmt::format("no Gateway serves {}; create one first: kubectl grpcmesh init --host {}", o.host,
                              o.host));
    }
    std::sort(f.gateways.begin(), f.gateways.end());
    f.virtual_service_namespace = ours_ns.empty() ? f.gateways.front().substr(0, f.gateways.front().find('/')) : ours_ns;
  }
  const std::string vs_name = manifest::host_object_name(o.host);
  f.virtual_service = get_object(state, kube::kinds::kVirtualService, f.virtual_service_namespace, vs_name);
  for (const auto& vs : virtual_services_for_host(list_or_empty(state, kube::kinds::kVirtualService, ""), o.host)) {
    if (!(vs.value("/metadata/namespace"_json_pointer, std::string()) == f.virtual_service_namespace &&
          vs.value("/metadata/name"_json_pointer, std::string()) == vs_name)) {
      f.other_virtual_services.push_back(vs);
    }
  }
  f.ready_endpoints = ready_endpoints(state, o.namespace_name, o.service);
  if (state.knows(kube::kinds::kConfigMap)) {  // else unknown, as files without the mesh config leave it
    const nlohmann::json mesh_config = stream::read_mesh_config(state, "istio-system");
    f.mesh_retry_default = mesh_config.is_object() ? mesh_config.value("defaultHttpRetryPolicy", nlohmann::json())
                                                   : nlohmann::json();
  }
  if (o.per_try_timeout) {  // only a per-try timeout needs to know whether stream keeps the host's streams open
    f.stream_settings = stream_settings_for_host(list_or_empty(state, kube::kinds::kDestinationRule, ""), o.host);
  }
  return f;
}

}  // namespace grpcmesh::mesh
