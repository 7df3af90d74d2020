// gRPC is routed by its /package.Service/Method path, which only http: rules
// see; a gRPC backend under tcp: or tls: bypasses every http feature. A tls:
// route that a PASSTHROUGH server of its gateway serves is the exception: the
// client's TLS (and its gRPC inside) reaches the backend untouched by design.
#include "core/check/analyzers/analyzers.hpp"
#include "core/check/mesh.hpp"

namespace grpcmesh::check::analyzers {
namespace {

bool served_by_passthrough(const Context& ctx, const Resource& vs, const std::vector<std::string>& hosts) {
  for (const Resource* gw : mesh::bound_gateways(ctx, vs)) {
    for (const std::string& host : hosts) {
      for (Node server : mesh::servers_for_host(*gw, host)) {
        if (mesh::passthrough(server)) {
          return true;
        }
      }
    }
  }
  return false;
}

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
        if (d.section == "http" || (d.section == "tls" && served_by_passthrough(ctx, vs, hosts))) {
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
                     {Kind::VirtualService, Kind::Service, Kind::Gateway},
                     {},
                     Hop::Route};
};

}  // namespace

std::unique_ptr<Analyzer> make_route_section() { return std::make_unique<RouteSection>(); }

}  // namespace grpcmesh::check::analyzers
