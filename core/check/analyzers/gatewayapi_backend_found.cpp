// GRPCRoutes and HTTPRoutes whose backendRefs name a Service that does not
// exist, or a port the Service does not have: istiod still writes the route,
// to a cluster no Service makes, and the calls fail (ResolvedRefs False,
// BackendNotFound). Istio's generator shows the call finding no cluster in
// tests/oracle/check_agreement_gateway_api_test.cpp. A Service of another
// namespace without a ReferenceGrant is GM0063's.
#include <fmt/format.h>

#include "core/check/analyzers/analyzers.hpp"
#include "core/check/gatewayapi.hpp"
#include "core/check/mesh.hpp"

namespace grpcmesh::check::analyzers {
namespace {

class GatewayApiBackendFound final : public Analyzer {
 public:
  const AnalyzerMeta& meta() const override { return meta_; }

  void analyze(Context& ctx) const override {
    for (Kind kind : {Kind::GRPCRoute, Kind::HTTPRoute}) {
      const std::string_view kind_text = kind_name(kind);
      for (const Resource& route : ctx.list(kind)) {
        const std::string host = gatewayapi::route_host(route);
        const std::string shown = fmt::format("{} {}/{}", kind_text, route.namespace_name, route.name);
        for (const gatewayapi::BackendRef& ref : gatewayapi::backend_refs(route)) {
          if (!ref.is_service() || !ref.port) {
            continue;
          }
          if (ref.namespace_name != route.namespace_name &&
              !gatewayapi::reference_granted(ctx, kind_text, route.namespace_name, "", "Service", ref.namespace_name,
                                             ref.name)) {
            continue;  // GM0063
          }
          const std::string service = fmt::format("{}/{}", ref.namespace_name, ref.name);
          const Resource* svc = ctx.find(Kind::Service, ref.namespace_name, ref.name);
          if (svc == nullptr) {
            ctx.report(route, msg::GatewayApiBackendNotFound(shown, service, *ref.port, "which does not exist").for_host(host));
            continue;
          }
          if (mesh::destination_port(*svc, *ref.port).is_null()) {
            const std::string ports = mesh::port_list(*svc);
            ctx.report(route, msg::GatewayApiBackendNotFound(
                                  shown, service, *ref.port,
                                  fmt::format("a port the Service does not have (its ports: {})", ports.empty() ? "none" : ports))
                                  .for_host(host));
          }
        }
      }
    }
  }

 private:
  AnalyzerMeta meta_{"gatewayapi_backend_found",
                     "Gateway API routes to a Service or Service port that does not exist",
                     {Kind::Service},
                     {Kind::GRPCRoute, Kind::HTTPRoute, Kind::ReferenceGrant},
                     Hop::Backend};
};

}  // namespace

std::unique_ptr<Analyzer> make_gatewayapi_backend_found() { return std::make_unique<GatewayApiBackendFound>(); }

}  // namespace grpcmesh::check::analyzers
