#include "core/mesh/gatewayapi_read.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "core/gatewayapi/gateway.hpp"
#include "core/manifest/names.hpp"
#include "core/kube/resource.hpp"
#include "core/mesh/cluster_read.hpp"
#include "core/mesh/host_config.hpp"
#include "core/stream/gateway_read.hpp"
#include "core/util/error.hpp"

namespace grpcmesh::mesh {
namespace {

// A list that gives nothing when the kind is not served (a cluster without
// Istio or without the Gateway API) or not readable.
std::vector<nlohmann::json> list_if_served(ClusterState& state, const kube::GroupKind& kind,
                                           const std::string& namespace_name) {
  try {
    return list_or_empty(state, kind, namespace_name);
  } catch (const Error&) {
    return {};
  }
}

Labels labels_at(const nlohmann::json& object, const char* pointer) {
  Labels out;
  const nlohmann::json::json_pointer p(pointer);
  if (object.contains(p) && object.at(p).is_object()) {
    for (const auto& [k, v] : object.at(p).items()) {
      if (v.is_string()) {
        out[k] = v.get<std::string>();
      }
    }
  }
  return out;
}

bool istio_ingress_pods(ClusterState& state, const Labels& selector) {
  if (state.knows(kube::kinds::kPod)) {
    kube::ListResult r;
    try {
      r = state.list(kube::kinds::kPod, kube::ListOptions{"", format_selector(selector), "", 1});
    } catch (const Error&) {
      return false;
    }
    return !r.items.empty();
  }
  // Manifests rarely hold Pods: a Service in front of such pods says they are there.
  for (const auto& s : list_if_served(state, kube::kinds::kService, "")) {
    const Labels service_selector = labels_at(s, "/spec/selector");
    if (!service_selector.empty() && selects(service_selector, selector)) {
      return true;
    }
  }
  return false;
}

// A cluster must serve the kind, or applying it fails; manifests may hold no
// Gateway API object yet, and --api gateway-api then starts the first ones.
void require_gateway_api(ClusterState& state, const kube::GroupKind& kind) {
  if (state.source().empty() && !state.serves(kind, "v1")) {
    throw Error(fmt::format("the Gateway API is not installed: the API server serves no gateway.networking.k8s.io/v1 "
                            "{}; install its CRDs (standard channel), or use Istio's API with --api istio",
                            kind.kind));
  }
}

}  // namespace

std::vector<nlohmann::json> gateway_api_gateways_for_host(ClusterState& state, const std::string& host) {
  std::vector<nlohmann::json> out;
  if (!state.serves(kube::kinds::kGatewayApiGateway, "v1")) {
    return out;
  }
  for (auto& g : list_if_served(state, kube::kinds::kGatewayApiGateway, "")) {
    for (const auto& l : gatewayapi::listeners_of(g)) {
      if (l.hostname == host) {
        out.push_back(std::move(g));
        break;
      }
    }
  }
  return out;
}

gatewayapi::ApiFacts read_api_facts(ClusterState& state, const std::string& host, const Labels& selector) {
  gatewayapi::ApiFacts f;
  f.host = host;
  f.selector = format_selector(selector);
  f.gateway_api_served = state.serves(kube::kinds::kGatewayApiGateway, "v1");
  const auto gateways = gateway_api_gateways_for_host(state, host);
  if (!gateways.empty()) {
    f.gateway_api_gateway = gatewayapi::ref(gateways.front());
  }
  const auto servers = servers_for_host(list_if_served(state, kube::kinds::kIstioGateway, ""), host);
  if (!servers.empty()) {
    f.istio_gateway = servers.front().gateway_namespace + "/" + servers.front().gateway_name;
  }
  f.istio_ingress_pods = istio_ingress_pods(state, selector);
  return f;
}

gatewayapi::ApiChoice choose_api(ClusterState* state, const std::optional<gatewayapi::Api>& flag,
                                 const std::string& host, const Labels& selector) {
  if (flag || state == nullptr) {
    return gatewayapi::choose_api(flag, std::nullopt);
  }
  return gatewayapi::choose_api(flag, read_api_facts(*state, host, selector));
}

void find_gateway_init_target(ClusterState& state, gatewayapi::InitOptions& o) {
  if (!o.gateway.empty() || !o.namespace_name.empty()) {
    return;
  }
  for (const auto& g : gateway_api_gateways_for_host(state, o.host)) {
    for (const auto& l : gatewayapi::listeners_of(g)) {
      if (l.name != gatewayapi::listener_name(o.host, "HTTPS") && l.name != gatewayapi::listener_name(o.host, "HTTP")) {
        continue;
      }
      if (manifest::managed_by_us(g) &&
          g.value("/metadata/name"_json_pointer, std::string()) == manifest::host_object_name(o.host)) {
        o.namespace_name = g.value("/metadata/namespace"_json_pointer, std::string());
      } else {
        o.gateway = gatewayapi::ref(g);
      }
      return;
    }
  }
}

gatewayapi::InitFacts read_gateway_init_facts(ClusterState& state, const gatewayapi::InitOptions& o) {
  require_gateway_api(state, kube::kinds::kGatewayApiGateway);
  gatewayapi::InitFacts f;
  f.known = true;
  const auto [ns, name] = gatewayapi::target_gateway(o);
  f.gateway = get_object(state, kube::kinds::kGatewayApiGateway, ns, name);
  for (auto& g : gateway_api_gateways_for_host(state, o.host)) {
    if (gatewayapi::ref(g) != ns + "/" + name) {
      f.other_gateways.push_back(std::move(g));
    }
  }
  if (state.knows(kube::kinds::kSecret)) {
    std::string secret = o.credential_name;
    if (secret.empty() && f.gateway) {
      for (const auto& l : gatewayapi::listeners_of(*f.gateway)) {
        if (l.name == gatewayapi::listener_name(o.host, "HTTPS") && l.secret_namespace.empty()) {
          secret = l.secret_name;
        }
      }
    }
    if (secret.empty()) {
      secret = manifest::default_credential_name(o.host);
    }
    try {
      f.credential_exists = get_object(state, kube::kinds::kSecret, ns, secret).has_value();
    } catch (const Error&) {
      // Secrets not readable (RBAC): the missing-secret warning is skipped
    }
  }
  if (o.gateway.empty() && state.knows(kube::kinds::kConfigMap)) {
    f.client_ca = get_object(state, kube::kinds::kConfigMap, ns, gatewayapi::client_ca_config_map_name(o.host));
  }
  return f;
}

gatewayapi::ExposeFacts read_gateway_expose_facts(ClusterState& state, const gatewayapi::ExposeOptions& o) {
  require_gateway_api(state, kube::kinds::kGrpcRoute);
  gatewayapi::ExposeFacts f;
  if (!o.gateway.empty()) {
    const auto slash = o.gateway.find('/');
    if (!o.remove &&
        !get_object(state, kube::kinds::kGatewayApiGateway, o.gateway.substr(0, slash), o.gateway.substr(slash + 1))) {
      throw Error(fmt::format("Gateway {} not found{}; check the name, or run kubectl grpcmesh init --host {} --api "
                              "gateway-api",
                              o.gateway, state.source().empty() ? "" : " in " + state.source(), o.host));
    }
    f.gateways = {o.gateway};
  } else {
    for (const auto& g : gateway_api_gateways_for_host(state, o.host)) {
      f.gateways.push_back(gatewayapi::ref(g));
    }
  }
  if (f.gateways.empty()) {
    throw Error(fmt::format("no Gateway API Gateway has a listener for {}; run kubectl grpcmesh init --host {} --api "
                            "gateway-api first, or pass --gateway NAMESPACE/NAME",
                            o.host, o.host));
  }
  f.route_namespace = f.gateways.front().substr(0, f.gateways.front().find('/'));
  const std::string name = manifest::host_object_name(o.host);
  f.route = get_object(state, kube::kinds::kGrpcRoute, f.route_namespace, name);
  f.service = get_object(state, kube::kinds::kService, o.namespace_name, o.service);
  if (!f.service) {
    throw Error(fmt::format("Service {}/{} not found{}; check the name and the namespace (-n)", o.namespace_name,
                            o.service, state.source().empty() ? "" : " in " + state.source()));
  }
  if (o.namespace_name != f.route_namespace) {
    f.reference_grant = get_object(state, kube::GroupKind{"gateway.networking.k8s.io", "ReferenceGrant"},
                                   o.namespace_name, gatewayapi::reference_grant_name(o));
  }
  for (const auto& kind : {kube::kinds::kGrpcRoute, kube::kinds::kHttpRoute}) {
    for (auto& r : list_if_served(state, kind, "")) {
      if (r.value("kind", "") == "GRPCRoute" && gatewayapi::ref(r) == f.route_namespace + "/" + name) {
        continue;
      }
      const auto hostnames = r.value("/spec/hostnames"_json_pointer, nlohmann::json::array());
      if (std::find(hostnames.begin(), hostnames.end(), o.host) != hostnames.end()) {
        f.other_routes.push_back(std::move(r));
      }
    }
  }
  if (state.knows(kube::kinds::kEndpointSlice)) {
    try {
      int ready = 0;
      for (const auto& slice : list_or_empty(state, kube::kinds::kEndpointSlice, o.namespace_name)) {
        if (slice.value("/metadata/labels/kubernetes.io~1service-name"_json_pointer, std::string()) != o.service) {
          continue;
        }
        for (const auto& e : slice.value("endpoints", nlohmann::json::array())) {
          if (e.value("/conditions/ready"_json_pointer, true)) {
            ++ready;
          }
        }
      }
      f.ready_endpoints = ready;
    } catch (const Error&) {
      // not readable: no endpoint warning
    }
  }
  return f;
}

gatewayapi::TlsFacts read_gateway_tls_facts(ClusterState& state, const gatewayapi::TlsOptions& o) {
  require_gateway_api(state, kube::kinds::kGatewayApiGateway);
  gatewayapi::TlsFacts f;
  f.known = true;
  std::vector<nlohmann::json> candidates;
  if (!o.gateway.empty()) {
    const auto slash = o.gateway.find('/');
    if (auto g = get_object(state, kube::kinds::kGatewayApiGateway, o.gateway.substr(0, slash),
                            o.gateway.substr(slash + 1))) {
      candidates.push_back(std::move(*g));
    } else {
      throw Error(fmt::format("Gateway {} not found{}; check the name", o.gateway,
                              state.source().empty() ? "" : " in " + state.source()));
    }
  } else {
    candidates = gateway_api_gateways_for_host(state, o.host);
  }
  // init's listener first, then any HTTPS listener for the host.
  for (int pass = 0; pass < 2 && !f.listener; ++pass) {
    for (const auto& g : candidates) {
      for (const auto& l : gatewayapi::listeners_of(g)) {
        const bool mine = l.name == gatewayapi::listener_name(o.host, "HTTPS");
        if (l.protocol == "HTTPS" && l.hostname == o.host && (pass == 1 || mine)) {
          f.listener = l;
          f.gateway = g;
          break;
        }
      }
      if (f.listener) {
        break;
      }
    }
  }
  if (!f.gateway && !candidates.empty()) {
    f.gateway = candidates.front();
  }
  if (!f.gateway) {
    if (!o.remove || o.gateway_namespace.empty()) {
      throw Error(fmt::format("no Gateway API Gateway has an HTTPS listener for {}; run kubectl grpcmesh init --host "
                              "{} --api gateway-api first, or pass --gateway NAMESPACE/NAME",
                              o.host, o.host));
    }
    f.gateway_namespace = o.gateway_namespace;
    f.gateway_name = manifest::host_object_name(o.host);
  } else {
    f.gateway_namespace = f.gateway->value("/metadata/namespace"_json_pointer, std::string());
    f.gateway_name = f.gateway->value("/metadata/name"_json_pointer, std::string());
  }
  const auto [ns, name] = gatewayapi::tls_secret_ref(o, f);
  f.secret = get_object(state, kube::kinds::kSecret, ns, name);
  if (ns != f.gateway_namespace) {
    f.reference_grant = get_object(state, kube::GroupKind{"gateway.networking.k8s.io", "ReferenceGrant"}, ns,
                                   gatewayapi::secret_reference_grant_name(name, f.gateway_namespace));
  }
  return f;
}

gatewayapi::WebFacts read_gateway_web_facts(ClusterState& state, const gatewayapi::WebOptions& o) {
  require_gateway_api(state, kube::kinds::kGatewayApiGateway);
  gatewayapi::WebFacts f;
  f.known = true;
  if (!o.gateway.empty()) {
    const auto slash = o.gateway.find('/');
    if (!o.remove &&
        !get_object(state, kube::kinds::kGatewayApiGateway, o.gateway.substr(0, slash), o.gateway.substr(slash + 1))) {
      throw Error(fmt::format("Gateway {} not found{}; check the name", o.gateway,
                              state.source().empty() ? "" : " in " + state.source()));
    }
    f.gateway_namespace = o.gateway.substr(0, slash);
    f.gateway_name = o.gateway.substr(slash + 1);
  } else {
    const auto gateways = gateway_api_gateways_for_host(state, o.host);
    if (!gateways.empty()) {
      f.gateway_namespace = gateways.front().value("/metadata/namespace"_json_pointer, std::string());
      f.gateway_name = gateways.front().value("/metadata/name"_json_pointer, std::string());
    } else if (o.remove && !o.gateway_namespace.empty()) {
      f.gateway_namespace = o.gateway_namespace;
      f.gateway_name = manifest::host_object_name(o.host);
    } else {
      throw Error(fmt::format("no Gateway API Gateway has a listener for {}; run kubectl grpcmesh init --host {} --api "
                              "gateway-api first, or pass --gateway NAMESPACE/NAME",
                              o.host, o.host));
    }
  }
  f.envoy_filters = list_if_served(state, kube::kinds::kEnvoyFilter, f.gateway_namespace);
  return f;
}

gatewayapi::StreamFacts read_gateway_stream_facts(ClusterState& state, const stream::StreamOptions& o) {
  require_gateway_api(state, kube::kinds::kGrpcRoute);
  gatewayapi::StreamFacts f;
  const auto gateways = gateway_api_gateways_for_host(state, o.host);
  if (gateways.empty()) {
    throw Error(fmt::format("no Gateway API Gateway has a listener for {}; run kubectl grpcmesh init --host {} --api "
                            "gateway-api first",
                            o.host, o.host));
  }
  f.gateway = gatewayapi::ref(gateways.front());
  for (const auto& kind : {kube::kinds::kGrpcRoute, kube::kinds::kHttpRoute}) {
    for (auto& r : list_if_served(state, kind, "")) {
      f.routes.push_back(std::move(r));
    }
  }
  f.istio.api_version = istio_api_version(state);
  f.istio.destination_rules = list_if_served(state, kube::kinds::kDestinationRule, "");
  const std::string ns = f.gateway.substr(0, f.gateway.find('/'));
  const Labels selector{{gatewayapi::kGatewayNameLabel, f.gateway.substr(f.gateway.find('/') + 1)}};
  for (auto& pod : list_if_served(state, kube::kinds::kPod, ns)) {
    if (selects(selector, labels_at(pod, "/metadata/labels"))) {
      f.istio.gateway.pods.push_back(std::move(pod));
    }
  }
  f.istio.gateway.mesh_config = stream::read_mesh_config(state, "istio-system");
  f.istio.gateway.istio_version = stream::read_istio_version(state, "istio-system");
  return f;
}

}  // namespace grpcmesh::mesh
