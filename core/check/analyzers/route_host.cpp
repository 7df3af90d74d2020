// VirtualService hosts: each must be served by one of the Gateways it binds
// to (Istio needs a host on any one of them, not on each), counting the
// namespace part of server hosts ("ns/host", "./host": pilot/pkg/model/
// gateway.go), and must not carry a port (Istio's validation rejects
// "host:443").
#include "core/check/analyzers/analyzers.hpp"
#include "core/check/mesh.hpp"
#include "core/check/visibility.hpp"

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
        if (gateways.empty()) {
          continue;  // route_gateway reports missing gateways
        }
        if (!mesh::admitted_by_any(gateways, vs.namespace_name, host)) {
          std::string names;
          for (const Resource* gw : gateways) {
            names += (names.empty() ? "" : ", ") + gw->namespace_name + "/" + gw->name;
          }
          ctx.report(vs, msg::HostNotOnGateway(host, names).for_host(host));
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
