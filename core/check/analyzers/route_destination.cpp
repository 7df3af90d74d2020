// Route destinations: the Service must exist, and the port must be named when
// the Service has several and must be one of its ports.
#include <fmt/format.h>

#include "core/check/analyzers/analyzers.hpp"
#include "core/check/mesh.hpp"

namespace grpcmesh::check::analyzers {
namespace {

class RouteDestination final : public Analyzer {
 public:
  const AnalyzerMeta& meta() const override { return meta_; }

  void analyze(Context& ctx) const override {
    for (const Resource& vs : ctx.list(Kind::VirtualService)) {
      auto hosts = mesh::hosts(vs);
      auto report = [&](Message m) { ctx.report(vs, mesh::on_first_host(std::move(m), hosts)); };
      for (const mesh::Destination& d : mesh::destinations(vs)) {
        auto name = mesh::service_for_host(d.host, vs.namespace_name);
        if (!name) {
          continue;  // an external host: a ServiceEntry's business
        }
        const Resource* svc = ctx.find(Kind::Service, name->namespace_name, name->name);
        if (svc == nullptr) {
          report(msg::DestinationHostNotFound(d.host));
          continue;
        }
        size_t count = svc->spec()["ports"].size();
        if (d.port == 0 && count > 1) {
          report(msg::DestinationPortRequired(d.host, mesh::port_list(*svc)));
        } else if (d.port != 0 && mesh::find_port(*svc, d.port).is_null()) {
          report(msg::DestinationPortNotOnService(d.host, d.port, mesh::port_list(*svc)));
        }
      }
    }
  }

 private:
  AnalyzerMeta meta_{"route_destination",
                     "Route destinations naming missing Services, or missing or wrong ports",
                     {Kind::VirtualService, Kind::Service},
                     {},
                     Hop::Route};
};

}  // namespace

std::unique_ptr<Analyzer> make_route_destination() { return std::make_unique<RouteDestination>(); }

}  // namespace grpcmesh::check::analyzers
