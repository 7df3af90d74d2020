// The HTTP filters of the host's filter chain, in order: grpc_web before the
// router where the objects enable gRPC-Web (a GRPC-WEB server, or the
// EnvoyFilter `web` writes), and the router last.
#include <algorithm>

#include "core/check/deep/deep_analyzer.hpp"

namespace grpcmesh::check::deep::analyzers {
namespace {

constexpr std::string_view kRouter = "envoy.filters.http.router";
constexpr std::string_view kGrpcWeb = "envoy.filters.http.grpc_web";

class HttpFilters final : public DeepAnalyzer {
 public:
  const DeepMeta& meta() const override { return meta_; }

  void analyze(DeepContext& ctx) const override {
    const FilterChain* chain = ctx.located.chain;
    if (chain == nullptr || !chain->http) {
      return;
    }
    const auto& f = chain->http_filters;
    auto router = std::find(f.begin(), f.end(), kRouter);
    if (router == f.end() || router + 1 != f.end()) {
      ctx.report(msg::DeepRouterNotLast(ctx.pod.proxy, ctx.expected.host, joined(f)));
    }
    if (ctx.expected.web && std::find(f.begin(), router, kGrpcWeb) == router) {
      ctx.report(msg::DeepGrpcWebFilterMissing(ctx.pod.proxy, ctx.expected.host, joined(f)));
    }
  }

 private:
  DeepMeta meta_{"http_filters", "The host's HTTP filters are in a working order, with grpc_web where it is enabled",
                 Hop::Route};
};

}  // namespace

std::unique_ptr<DeepAnalyzer> make_http_filters() { return std::make_unique<HttpFilters>(); }

}  // namespace grpcmesh::check::deep::analyzers
