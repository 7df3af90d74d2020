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
      auto hosts = mesh::string_list(field(vs.spec(), "hosts"));
      for (const mesh::Destination& d : mesh::destinations(vs)) {
        if (d.section == "http") {
          continue;
        }
        auto name = mesh::service_for_host(d.host, vs.namespace_name);
        const Resource* svc = name ? ctx.find(Kind::Service, name->namespace_name, name->name) : nullptr;
        if (svc == nullptr) {
          continue;
        }
        const auto& ports = field(svc->spec(), "ports");
        const nlohmann::json* port = d.port != 0 ? mesh::find_port(*svc, d.port)
                                     : (ports.is_array() && ports.size() == 1) ? &ports[0]
                                                                                : nullptr;
        if (port == nullptr) {
          continue;
        }
        mesh::PortProtocol protocol = mesh::port_protocol(*port);
        if (!mesh::is_http2(protocol.protocol) && !mesh::port_looks_grpc(*svc, *port)) {
          continue;
        }
        Message m = msg::GrpcRouteOutsideHttp(svc->name, field(*port, "port").get<int>(), d.section);
        ctx.report(vs, hosts.empty() ? std::move(m) : std::move(m).for_host(hosts[0]));
      }
    }
  }

 private:
  AnalyzerMeta meta_{"route_section",
                     "gRPC backends routed under tcp: or tls: instead of http:",
                     {Kind::VirtualService, Kind::Service}};
};

}  // namespace

std::unique_ptr<Analyzer> make_route_section() { return std::make_unique<RouteSection>(); }

}  // namespace grpcmesh::check::analyzers
