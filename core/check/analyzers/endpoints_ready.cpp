// A Service a gateway routes to needs at least one ready endpoint, else the
// gateway answers 503 (gRPC UNAVAILABLE, "no healthy upstream").
#include <fmt/format.h>

#include <set>

#include "core/check/analyzers/analyzers.hpp"
#include "core/check/mesh.hpp"

namespace grpcmesh::check::analyzers {
namespace {

bool ready(Node endpoint) {
  const auto& r = field(field(endpoint, "conditions"), "ready");
  return !r.is_boolean() || r.get<bool>();  // unset means ready
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
  }

 private:
  AnalyzerMeta meta_{"endpoints_ready",
                     "Services behind gateway routes with no ready endpoint",
                     {Kind::VirtualService, Kind::Service, Kind::EndpointSlice},
                     {},
                     Hop::Endpoints};
};

}  // namespace

std::unique_ptr<Analyzer> make_endpoints_ready() { return std::make_unique<EndpointsReady>(); }

}  // namespace grpcmesh::check::analyzers
