// VirtualService hosts: each must be served by the Gateways it binds to, and
// must not carry a port (":authority" matching is on the host).
#include "core/check/analyzers/analyzers.hpp"
#include "core/check/mesh.hpp"

namespace grpcmesh::check::analyzers {
namespace {

// "grpc.example.com:443" -> "grpc.example.com"; "" when there is no port.
std::string strip_port(const std::string& host) {
  auto colon = host.rfind(':');
  if (colon == std::string::npos || colon + 1 == host.size() || host.find(']') != std::string::npos) {
    return {};
  }
  for (size_t i = colon + 1; i < host.size(); ++i) {
    if (host[i] < '0' || host[i] > '9') {
      return {};
    }
  }
  return host.substr(0, colon);
}

class RouteHost final : public Analyzer {
 public:
  const AnalyzerMeta& meta() const override { return meta_; }

  void analyze(Context& ctx) const override {
    for (const Resource& vs : ctx.list(Kind::VirtualService)) {
      auto gateways = mesh::bound_gateways(ctx, vs);
      for (const std::string& host : mesh::hosts(vs)) {
        if (std::string bare = strip_port(host); !bare.empty()) {
          ctx.report(vs, msg::HostCarriesPort(host, bare).for_host(host));
        }
        for (const Resource* gw : gateways) {
          if (mesh::servers_for_host(*gw, host).empty()) {
            ctx.report(vs, msg::HostNotOnGateway(host, gw->namespace_name + "/" + gw->name).for_host(host));
          }
        }
      }
    }
  }

 private:
  AnalyzerMeta meta_{"route_host",
                     "VirtualService hosts the bound Gateway does not serve, and hosts carrying a port",
                     {Kind::VirtualService, Kind::Gateway},
                     {},
                     Hop::Route};
};

}  // namespace

std::unique_ptr<Analyzer> make_route_host() { return std::make_unique<RouteHost>(); }

}  // namespace grpcmesh::check::analyzers
