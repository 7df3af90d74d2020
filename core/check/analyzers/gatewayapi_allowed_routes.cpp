// Gateway API routes that no listener of their Gateway admits: the listener's
// allowedRoutes exclude the route's namespace (from: Same, the default) or
// its kind (a listener's kinds, or its protocol's: HTTPRoute and GRPCRoute
// for HTTP and HTTPS). istiod does not attach them (Accepted False,
// NotAllowedByListeners).
// Judged per parentRef as istiod judges it (gatewayapi.hpp attach); the real
// istiod's status (tests/e2e/istiod/gateway_api_status_test.cpp) agrees.
#include <fmt/format.h>

#include "core/check/analyzers/analyzers.hpp"
#include "core/check/gatewayapi.hpp"

namespace grpcmesh::check::analyzers {
namespace {

class GatewayApiAllowedRoutes final : public Analyzer {
 public:
  const AnalyzerMeta& meta() const override { return meta_; }

  void analyze(Context& ctx) const override {
    gatewayapi::for_each_attachment(
        ctx, gatewayapi::Attachment::NotAllowedByListeners,
        [&](const Resource& route, const gatewayapi::ParentRef& ref, const Resource& gw, const gatewayapi::AttachmentResult& r) {
          const std::string host = gatewayapi::route_host(route);
          ctx.report(route, msg::GatewayApiRouteNotAllowed(fmt::format("{}/{}", gw.namespace_name, gw.name), ref.str(),
                                                          kind_name(route.kind), route.namespace_name, r.detail)
                              .for_host(host));
        });
  }

 private:
  AnalyzerMeta meta_{"gatewayapi_allowed_routes",
                     "Gateway API routes that no listener of their Gateway admits (allowedRoutes namespaces and kinds)",
                     {},
                     {Kind::GRPCRoute, Kind::HTTPRoute, Kind::KubeGateway},
                     Hop::Route};
};

}  // namespace

std::unique_ptr<Analyzer> make_gatewayapi_allowed_routes() { return std::make_unique<GatewayApiAllowedRoutes>(); }

}  // namespace grpcmesh::check::analyzers
