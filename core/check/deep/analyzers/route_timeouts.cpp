// The timeout of the route each routed call takes: none (istiod sends 0s)
// unless the VirtualService rule sets one, and then that one.
#include <fmt/format.h>

#include "core/check/deep/deep_analyzer.hpp"
#include "core/check/mesh.hpp"

namespace grpcmesh::check::deep::analyzers {
namespace {

// A duration as Envoy's JSON writes it ("0s", "30s", "0.500s"), or Istio's
// ("500ms"), in nanoseconds; nothing when unreadable.
std::optional<std::chrono::nanoseconds> parse(const std::string& text) { return mesh::parse_duration(text); }

class RouteTimeouts final : public DeepAnalyzer {
 public:
  const DeepMeta& meta() const override { return meta_; }

  void analyze(DeepContext& ctx) const override {
    if (ctx.located.virtual_host == nullptr) {
      return;
    }
    for (const ExpectedRoute& e : ctx.expected.routes) {
      const HttpRoute* r = first_match(*ctx.located.virtual_host, e.path);
      if (r == nullptr || r->direct_response || (!e.cluster.empty() && r->cluster != e.cluster)) {
        continue;  // route_services reports it
      }
      auto live = r->timeout ? parse(*r->timeout) : std::nullopt;
      bool live_off = !r->timeout || (live && live->count() == 0);
      if (!e.timeout) {
        if (!live_off) {
          ctx.report(msg::DeepRouteTimeout(ctx.pod.proxy, call_of(ctx.expected, e), *r->timeout,
                                           fmt::format("set none on rule {} of VirtualService {}", e.rule, e.virtual_service)));
        }
        continue;
      }
      auto want = parse(*e.timeout);
      if (want && (live_off || !live || *live != *want)) {
        ctx.report(msg::DeepRouteTimeout(ctx.pod.proxy, call_of(ctx.expected, e), r->timeout.value_or("none"),
                                         fmt::format("set {} on rule {} of VirtualService {}", *e.timeout, e.rule,
                                                     e.virtual_service)));
      }
    }
  }

 private:
  DeepMeta meta_{"route_timeouts", "Each routed call's route timeout is the one the VirtualService sets (none by default)",
                 Hop::Route};
};

}  // namespace

std::unique_ptr<DeepAnalyzer> make_route_timeouts() { return std::make_unique<RouteTimeouts>(); }

}  // namespace grpcmesh::check::deep::analyzers
