// VirtualServices bound to Gateways that do not exist: nothing serves them.
#include "core/check/analyzers/analyzers.hpp"
#include "core/check/mesh.hpp"

namespace grpcmesh::check::analyzers {
namespace {

class RouteGateway final : public Analyzer {
 public:
  const AnalyzerMeta& meta() const override { return meta_; }

  void analyze(Context& ctx) const override {
    for (const Resource& vs : ctx.list(Kind::VirtualService)) {
      auto hosts = mesh::hosts(vs);
      for (const mesh::NamespacedName& ref : mesh::gateway_refs(vs)) {
        if (ctx.find(Kind::Gateway, ref.namespace_name, ref.name) == nullptr) {
          ctx.report(vs, mesh::on_first_host(msg::GatewayNotFound(ref.str()), hosts));
        }
      }
    }
  }

 private:
  AnalyzerMeta meta_{"route_gateway",
                     "VirtualServices naming Gateways that do not exist",
                     {Kind::VirtualService, Kind::Gateway},
                     {},
                     Hop::Route};
};

}  // namespace

std::unique_ptr<Analyzer> make_route_gateway() { return std::make_unique<RouteGateway>(); }

}  // namespace grpcmesh::check::analyzers
