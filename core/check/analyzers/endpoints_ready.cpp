// A Service a gateway routes to needs at least one ready endpoint, else the
// gateway answers 503 (gRPC UNAVAILABLE, "no healthy upstream"): the
// destinations of VirtualServices bound to a gateway, and the backendRefs of
// GRPCRoutes and HTTPRoutes whose parent Gateway exists.
#include <fmt/format.h>

#include <set>

#include "core/check/analyzers/analyzers.hpp"
#include "core/check/gatewayapi.hpp"
#include "core/check/mesh.hpp"

namespace grpcmesh::check::analyzers {
namespace {

bool ready(Node endpoint) {
  const auto& r = field(field(endpoint, "conditions"), "ready");
  return !r.is_boolean() || r.get<bool>();  // unset means ready
}

// The hosts a route is drawn on: its hostnames, or, without any, the
// hostnames of the listeners its parent Gateways give it. Empty when no
// parentRef names a Gateway of the snapshot.
std::vector<std::string> route_hosts(const Context& ctx, const Resource& route) {
  std::vector<std::string> names = gatewayapi::hostnames(route);
  std::set<std::string> from_listeners;
  bool on_gateway = false;
  for (const gatewayapi::ParentRef& ref : gatewayapi::parent_refs(route)) {
    const Resource* gw = gatewayapi::parent_gateway(ctx, ref);
    if (gw == nullptr) {
      continue;
    }
    on_gateway = true;
    for (Node l : gatewayapi::listeners_for(*gw, ref)) {
      if (names.empty() && l["hostname"].is_string()) {
        from_listeners.emplace(l["hostname"].str());
      }
    }
  }
  if (!on_gateway) {
    return {};
  }
  if (names.empty()) {
    names.assign(from_listeners.begin(), from_listeners.end());
  }
  return names.empty() ? std::vector<std::string>{""} : names;
}

class EndpointsReady final : public Analyzer {
 public:
  const AnalyzerMeta& meta() const override { return meta_; }

  void analyze(Context& ctx) const override {
    // Services (namespace, name) with at least one ready endpoint, indexed once.
    std::set<std::pair<std::string, std::string>> ready_services;
    for (const Resource& slice : ctx.list(Kind::EndpointSlice)) {
      const auto& endpoints = field(slice.root(), "endpoints");
      if (!endpoints.is_array()) {
        continue;
      }
      for (const auto& e : endpoints) {
        if (ready(e)) {
          ready_services.emplace(slice.namespace_name, string_field(slice.labels(), "kubernetes.io/service-name"));
          break;
        }
      }
    }
    for (const Resource& vs : ctx.list(Kind::VirtualService)) {
      if (mesh::gateway_refs(vs).empty()) {
        continue;
      }
      auto hosts = mesh::hosts(vs);
      for (const mesh::Destination& d : mesh::destinations(vs)) {
        const Resource* svc = mesh::destination_service(ctx, d, vs.namespace_name);
        if (svc == nullptr || string_field(svc->spec(), "type") == "ExternalName") {
          continue;
        }
        if (!ready_services.count({svc->namespace_name, svc->name})) {
          std::string port = d.port != 0 ? std::to_string(d.port) : mesh::port_list(*svc);
          ctx.report(*svc, mesh::on_first_host(msg::NoReadyEndpoints(svc->name, port), hosts));
        }
      }
    }
    for (Kind kind : {Kind::GRPCRoute, Kind::HTTPRoute}) {
      for (const Resource& route : ctx.list(kind)) {
        const std::vector<std::string> hosts = route_hosts(ctx, route);
        if (hosts.empty()) {
          continue;  // on no Gateway of the snapshot
        }
        for (const gatewayapi::BackendRef& ref : gatewayapi::backend_refs(route)) {
          if (!ref.is_service() || !ref.port) {
            continue;
          }
          if (ref.namespace_name != route.namespace_name &&
              !gatewayapi::reference_granted(ctx, kind_name(kind), route.namespace_name, "", "Service",
                                             ref.namespace_name, ref.name)) {
            continue;  // GM0063
          }
          const Resource* svc = ctx.find(Kind::Service, ref.namespace_name, ref.name);
          if (svc == nullptr || string_field(svc->spec(), "type") == "ExternalName" ||
              mesh::destination_port(*svc, *ref.port).is_null()) {
            continue;  // GM0068
          }
          if (!ready_services.count({svc->namespace_name, svc->name})) {
            for (const std::string& host : hosts) {
              ctx.report(*svc, msg::NoReadyEndpoints(svc->name, std::to_string(*ref.port)).for_host(host));
            }
          }
        }
      }
    }
  }

 private:
  AnalyzerMeta meta_{"endpoints_ready",
                     "Services behind gateway routes with no ready endpoint",
                     {Kind::Service, Kind::EndpointSlice},
                     {Kind::VirtualService, Kind::KubeGateway, Kind::GRPCRoute, Kind::HTTPRoute, Kind::ReferenceGrant},
                     Hop::Endpoints};
};

}  // namespace

std::unique_ptr<Analyzer> make_endpoints_ready() { return std::make_unique<EndpointsReady>(); }

}  // namespace grpcmesh::check::analyzers
