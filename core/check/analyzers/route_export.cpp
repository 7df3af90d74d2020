// exportTo: a gateway proxy sees only the VirtualServices and Services
// exported to its own namespace, the namespace its workload runs in (e.g.
// istio-system), whatever the Gateway resource's namespace
// (pilot/pkg/model/push_context.go VirtualServicesForGateway,
// IsServiceVisible). A route the gateway does not see answers 404; a
// destination it does not see has no cluster (503).
#include <fmt/format.h>

#include "core/check/analyzers/analyzers.hpp"
#include "core/check/mesh.hpp"
#include "core/check/visibility.hpp"

namespace grpcmesh::check::analyzers {
namespace {

std::string shown(const std::vector<std::string>& export_to) { return fmt::format("[{}]", fmt::join(export_to, ", ")); }

class RouteExport final : public Analyzer {
 public:
  const AnalyzerMeta& meta() const override { return meta_; }

  void analyze(Context& ctx) const override {
    for (const Resource& vs : ctx.list(Kind::VirtualService)) {
      const auto namespaces = mesh::proxy_namespaces(ctx, vs);
      if (namespaces.empty()) {
        continue;  // no gateway workload known: gateway_workload reports it
      }
      const auto hosts = mesh::hosts(vs);
      const auto route_export = mesh::export_to(vs);
      bool seen = false;
      for (const std::string& ns : namespaces) {
        seen = seen || mesh::visible_from(route_export, vs.namespace_name, ns);
      }
      if (!seen) {
        for (const std::string& host : hosts) {
          ctx.report(vs, msg::RouteNotExported(shown(route_export), namespaces.front(), host).for_host(host));
        }
        continue;
      }
      for (const mesh::Destination& d : mesh::destinations(vs)) {
        const Resource* svc = mesh::destination_service(ctx, d, vs.namespace_name);
        if (svc == nullptr) {
          continue;  // route_destination reports it
        }
        const auto service_export = mesh::export_to(*svc);
        bool visible = false;
        for (const std::string& ns : namespaces) {
          visible = visible || mesh::visible_from(service_export, svc->namespace_name, ns);
        }
        if (!visible) {
          ctx.report(vs, mesh::on_first_host(msg::DestinationNotExported(svc->namespace_name + "/" + svc->name,
                                                                         shown(service_export), namespaces.front()),
                                             hosts));
        }
      }
    }
  }

 private:
  AnalyzerMeta meta_{"route_export",
                     "VirtualServices and destination Services not exported to the gateway workload's namespace",
                     {Kind::VirtualService, Kind::Gateway, Kind::Service},
                     {Kind::Pod},
                     Hop::Route};
};

}  // namespace

std::unique_ptr<Analyzer> make_route_export() { return std::make_unique<RouteExport>(); }

}  // namespace grpcmesh::check::analyzers
