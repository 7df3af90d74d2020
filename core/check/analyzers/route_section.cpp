// gRPC is routed by its /package.Service/Method path, which only http: rules
// see; a gRPC backend under tcp: or tls: bypasses every http feature.
#include "core/check/analyzers/analyzers.hpp"
#include "core/check/mesh.hpp"

namespace grpcmesh::check::analyzers {
namespace {

class RouteSection final : public Analyzer {
 public:
  const AnalyzerMeta& meta() const override { return meta_; }

  void analyze(Context& ctx) const override {
    for (const Resource& vs : ctx.list(Kind::VirtualService)) {
      if (mesh::gateway_refs(vs).empty()) {
        continue;
      }
      auto hosts = mesh::hosts(vs);
      for (const mesh::Destination& d : mesh::destinations(vs)) {
        if (d.section == "http") {
          continue;
        }
        const Resource* svc = mesh::destination_service(ctx, d, vs.namespace_name);
        Node port = svc != nullptr ? mesh::destination_port(*svc, d.port) : Node();
        if (port.is_null()) {
          continue;
        }
        mesh::PortProtocol protocol = mesh::port_protocol(port);
        if (!mesh::is_http2(protocol.protocol) && !mesh::port_looks_grpc(*svc, port)) {
          continue;
        }
        Message m = msg::GrpcRouteOutsideHttp(svc->name, port["port"].get<int>(), d.section);
        ctx.report(vs, mesh::on_first_host(std::move(m), hosts));
      }
    }
  }

 private:
  AnalyzerMeta meta_{"route_section",
                     "gRPC backends routed under tcp: or tls: instead of http:",
                     {Kind::VirtualService, Kind::Service},
                     {},
                     Hop::Route};
};

}  // namespace

std::unique_ptr<Analyzer> make_route_section() { return std::make_unique<RouteSection>(); }

}  // namespace grpcmesh::check::analyzers
