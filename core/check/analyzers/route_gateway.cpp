// VirtualServices bound to Gateways that do not exist.
#include "core/check/analyzers/analyzers.hpp"
#include "core/check/mesh.hpp"
#include "core/check/visibility.hpp"

namespace grpcmesh::check::analyzers {
namespace {

class RouteGateway final : public Analyzer {
 public:
  const AnalyzerMeta& meta() const override { return meta_; }

  void analyze(Context& ctx) const override {
    for (const Resource& vs : ctx.list(Kind::VirtualService)) {
      // Istio ignores a reference to a missing Gateway: the route still
      // serves its hosts through the Gateways that exist, so the finding
      // breaks only the path of a host none of them serves.
      std::vector<std::string> unserved;
      const auto existing = mesh::bound_gateways(ctx, vs);
      for (const std::string& host : mesh::hosts(vs)) {
        if (!mesh::admitted_by_any(existing, vs.namespace_name, host)) {
          unserved.push_back(host);
        }
      }
      for (const mesh::NamespacedName& ref : mesh::gateway_refs(vs)) {
        if (ctx.find(Kind::Gateway, ref.namespace_name, ref.name) == nullptr) {
          ctx.report(vs, mesh::on_first_host(msg::GatewayNotFound(ref.str()), unserved));
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
