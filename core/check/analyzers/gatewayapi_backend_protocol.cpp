// GRPCRoutes to Service ports Istio does not treat as HTTP/2: a GRPCRoute
// becomes an HTTP route to the Service's cluster and says nothing about the
// backend's protocol (convertGRPCRoute in pilot/pkg/config/kube/gateway/
// conversion.go), so the port's name or appProtocol decide, as for a
// VirtualService (backend_protocol.cpp, GM0006).
#include <fmt/format.h>

#include "core/check/analyzers/analyzers.hpp"
#include "core/check/gatewayapi.hpp"
#include "core/check/mesh.hpp"

namespace grpcmesh::check::analyzers {
namespace {

class GatewayApiBackendProtocol final : public Analyzer {
 public:
  const AnalyzerMeta& meta() const override { return meta_; }

  void analyze(Context& ctx) const override {
    for (const Resource& route : ctx.list(Kind::GRPCRoute)) {
      const std::string host = gatewayapi::route_host(route);
      for (const gatewayapi::BackendRef& ref : gatewayapi::backend_refs(route)) {
        if (!ref.is_service() || !ref.port) {
          continue;
        }
        const Resource* svc = ctx.find(Kind::Service, ref.namespace_name, ref.name);
        if (svc == nullptr) {
          continue;
        }
        Node port = mesh::destination_port(*svc, *ref.port);
        if (port.is_null()) {
          continue;
        }
        mesh::PortProtocol protocol = mesh::port_protocol(port);
        if (mesh::is_http2(protocol.protocol)) {
          continue;
        }
        std::string shown = protocol.recognised          ? protocol.protocol
                            : protocol.from_app_protocol ? "TCP (unrecognised appProtocol)"
                                                         : "TCP (unrecognised port name)";
        ctx.report(route, msg::GatewayApiBackendNotHttp2(fmt::format("GRPCRoute {}/{}", route.namespace_name, route.name),
                                                         fmt::format("{}/{}", svc->namespace_name, svc->name),
                                                         *ref.port, shown)
                              .for_host(host));
      }
    }
  }

 private:
  AnalyzerMeta meta_{"gatewayapi_backend_protocol",
                     "GRPCRoutes to Service ports Istio does not treat as HTTP/2",
                     {Kind::Service},
                     {Kind::GRPCRoute},
                     Hop::Backend};
};

}  // namespace

std::unique_ptr<Analyzer> make_gatewayapi_backend_protocol() { return std::make_unique<GatewayApiBackendProtocol>(); }

}  // namespace grpcmesh::check::analyzers
