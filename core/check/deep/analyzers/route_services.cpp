// For every http match the objects route for the host: the route Envoy picks
// first for a gRPC call on that path exists and goes to the cluster of the
// rule's destination, not to another VirtualService's (merged VirtualServices
// keep the older one's rules first).
#include <fmt/format.h>

#include "core/check/deep/deep_analyzer.hpp"

namespace grpcmesh::check::deep::analyzers {
namespace {

// "VirtualService ns/name" from Istio's route metadata
// (/apis/networking.istio.io/v1/namespaces/NS/virtual-service/NAME).
std::string origin_of(const HttpRoute& r) {
  const std::string& c = r.config;
  auto ns = c.find("/namespaces/");
  auto kind = c.find("/virtual-service/");
  if (ns == std::string::npos || kind == std::string::npos || kind < ns) {
    return r.name.empty() ? std::string("another object") : "route " + r.name;
  }
  return fmt::format("VirtualService {}/{}", c.substr(ns + 12, kind - ns - 12), c.substr(kind + 17));
}

class RouteServices final : public DeepAnalyzer {
 public:
  const DeepMeta& meta() const override { return meta_; }

  void analyze(DeepContext& ctx) const override {
    if (ctx.located.chain == nullptr || !ctx.located.chain->http) {
      return;
    }
    for (const ExpectedRoute& e : ctx.expected.routes) {
      std::string call = call_of(ctx.expected, e);
      if (ctx.located.route_config == nullptr) {
        ctx.report(msg::DeepRouteMissing(ctx.pod.proxy, call,
                                         fmt::format("its filter chain names route configuration {:?}, which istiod does not send",
                                                     ctx.located.chain->route_config),
                                         e.virtual_service));
        return;
      }
      if (ctx.located.virtual_host == nullptr) {
        ctx.report(msg::DeepRouteMissing(
            ctx.pod.proxy, call,
            fmt::format("route configuration {} has no virtual host for the host", ctx.located.route_config->name),
            e.virtual_service));
        return;
      }
      const HttpRoute* r = first_match(*ctx.located.virtual_host, e.path);
      if (r == nullptr) {
        ctx.report(msg::DeepRouteMissing(ctx.pod.proxy, call,
                                         fmt::format("no route of virtual host {} matches it", ctx.located.virtual_host->name),
                                         e.virtual_service));
        continue;
      }
      if (!e.cluster.empty() && r->cluster != e.cluster) {
        ctx.report(msg::DeepRouteShadowed(ctx.pod.proxy, call, origin_of(*r),
                                          r->cluster.empty() ? std::string("no cluster") : r->cluster, e.cluster,
                                          e.virtual_service));
      }
    }
  }

 private:
  DeepMeta meta_{"route_services", "Each routed gRPC service's route exists on the gateway pod and reaches its cluster",
                 Hop::Route};
};

}  // namespace

std::unique_ptr<DeepAnalyzer> make_route_services() { return std::make_unique<RouteServices>(); }

}  // namespace grpcmesh::check::deep::analyzers
