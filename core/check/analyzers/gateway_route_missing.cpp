// Gateway server hosts no route serves: the gateway accepts the connection
// but has no virtual host for them, so every call gets 404 with response flag
// NR (core/check/unrouted.hpp, after istio pilot/pkg/networking/core/gateway.go).
#include "core/check/analyzers/analyzers.hpp"
#include "core/check/unrouted.hpp"

namespace grpcmesh::check::analyzers {
namespace {

class GatewayRouteMissing final : public Analyzer {
 public:
  const AnalyzerMeta& meta() const override { return meta_; }

  void analyze(Context& ctx) const override {
    for (const UnroutedHost& u : unrouted_hosts(ctx)) {
      ctx.report(*u.gateway, msg::NoRouteForHost(u.host).for_host(u.host));
    }
  }

 private:
  AnalyzerMeta meta_{"gateway_route_missing",
                     "Gateway server hosts that no VirtualService bound to the Gateway routes (404 NR)",
                     {Kind::Gateway},
                     // files without any VirtualService are the plainest case of it
                     {Kind::VirtualService},
                     Hop::Route};
};

}  // namespace

std::unique_ptr<Analyzer> make_gateway_route_missing() { return std::make_unique<GatewayRouteMissing>(); }

}  // namespace grpcmesh::check::analyzers
