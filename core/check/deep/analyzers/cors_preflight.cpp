// The CORS policy on the route a browser's preflight matches: for every http
// match whose rule sets a corsPolicy, a preflight (OPTIONS, no content-type)
// on that path must reach a route (or virtual host) carrying a CORS policy,
// with envoy.filters.http.cors in the chain's HTTP filters to apply it.
#include <fmt/format.h>

#include <algorithm>

#include "core/check/deep/deep_analyzer.hpp"

namespace grpcmesh::check::deep::analyzers {
namespace {

constexpr std::string_view kCorsFilter = "envoy.filters.http.cors";

class CorsPreflight final : public DeepAnalyzer {
 public:
  const DeepMeta& meta() const override { return meta_; }

  void analyze(DeepContext& ctx) const override {
    const VirtualHost* vh = ctx.located.virtual_host;
    if (vh == nullptr || ctx.located.chain == nullptr) {
      return;  // route_services reports it
    }
    const auto& filters = ctx.located.chain->http_filters;
    bool filter = std::find(filters.begin(), filters.end(), kCorsFilter) != filters.end();
    for (const ExpectedRoute& e : ctx.expected.routes) {
      if (!e.cors || first_match(*vh, e.path) == nullptr) {
        continue;  // without a route for the call itself, route_services reports it
      }
      std::string what;
      const HttpRoute* r = first_match(*vh, e.path, /*preflight=*/true);
      if (r == nullptr) {
        what = fmt::format("matches no route of virtual host {}", vh->name);
      } else if (!r->cors && !vh->cors) {
        what = fmt::format("matches a route without a CORS policy (to {})", r->cluster.empty() ? "no cluster" : r->cluster);
      } else if (!filter) {
        what = fmt::format("finds its CORS policy, but no {} among the HTTP filters ({}) to apply it", kCorsFilter,
                           joined(filters));
      } else {
        continue;
      }
      ctx.report(msg::DeepCorsMissing(ctx.pod.proxy, call_of(ctx.expected, e), what, e.rule, e.virtual_service));
    }
  }

 private:
  DeepMeta meta_{"cors_preflight", "A CORS preflight finds the rule's corsPolicy on the route it matches", Hop::Route};
};

}  // namespace

std::unique_ptr<DeepAnalyzer> make_cors_preflight() { return std::make_unique<CorsPreflight>(); }

}  // namespace grpcmesh::check::deep::analyzers
