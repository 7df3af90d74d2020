// GRPCRoutes and HTTPRoutes whose backendRefs name a Service in another
// namespace that no ReferenceGrant there opens to the route's namespace:
// istiod does not route to it (ResolvedRefs False, RefNotPermitted; the real
// istiod's status in tests/e2e/istiod/gateway_api_status_test.cpp).
#include <fmt/format.h>

#include "core/check/analyzers/analyzers.hpp"
#include "core/check/gatewayapi.hpp"

namespace grpcmesh::check::analyzers {
namespace {

class GatewayApiBackendGrant final : public Analyzer {
 public:
  const AnalyzerMeta& meta() const override { return meta_; }

  void analyze(Context& ctx) const override {
    for (Kind kind : {Kind::GRPCRoute, Kind::HTTPRoute}) {
      const std::string_view kind_text = kind_name(kind);
      for (const Resource& route : ctx.list(kind)) {
        const std::string host = gatewayapi::route_host(route);
        for (const gatewayapi::BackendRef& ref : gatewayapi::backend_refs(route)) {
          if (!ref.is_service() || ref.namespace_name == route.namespace_name) {
            continue;
          }
          if (gatewayapi::reference_granted(ctx, kind_text, route.namespace_name, "", "Service", ref.namespace_name,
                                            ref.name)) {
            continue;
          }
          ctx.report(route, msg::GatewayApiBackendNotGranted(
                                fmt::format("{} {}/{}", kind_text, route.namespace_name, route.name),
                                ref.namespace_name, ref.name, kind_text, route.namespace_name)
                                .for_host(host));
        }
      }
    }
  }

 private:
  AnalyzerMeta meta_{"gatewayapi_backend_grant",
                     "Gateway API routes to Services of another namespace without a ReferenceGrant",
                     {},
                     {Kind::GRPCRoute, Kind::HTTPRoute, Kind::ReferenceGrant},
                     Hop::Route};
};

}  // namespace

std::unique_ptr<Analyzer> make_gatewayapi_backend_grant() { return std::make_unique<GatewayApiBackendGrant>(); }

}  // namespace grpcmesh::check::analyzers
