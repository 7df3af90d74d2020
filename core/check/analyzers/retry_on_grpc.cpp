// A retryOn list replaces Istio's default conditions
// (connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes;
// istio.io/istio pilot/pkg/networking/core/route/retry/retry.go). gRPC
// failures arrive as HTTP 200 with a grpc-status, which only Envoy's gRPC
// conditions (x-envoy-retry-grpc-on: cancelled, deadline-exceeded, internal,
// resource-exhausted, unavailable) look at: a list without one of them stops
// retrying UNAVAILABLE on a gRPC route.
#include "core/check/analyzers/analyzers.hpp"
#include "core/check/mesh.hpp"
#include "core/check/retry_rules.hpp"
#include "core/manifest/retry_policy.hpp"

namespace grpcmesh::check::analyzers {
namespace {

class RetryOnGrpc final : public Analyzer {
 public:
  const AnalyzerMeta& meta() const override { return meta_; }

  void analyze(Context& ctx) const override {
    retry_rules::for_each_retries(ctx, [&](const Resource& vs, const auto& hosts, int rule, Node http, Node retries) {
      Node retry_on = retries["retryOn"];
      if (!retry_on.is_string() || retry_rules::attempts(retries) <= 0 ||
          manifest::has_grpc_retry_condition(retry_on.str()) || !retry_rules::carries_grpc(ctx, vs, http)) {
        return;
      }
      ctx.report(vs, mesh::on_first_host(msg::RetryOnWithoutGrpc(rule, retry_on.str()), hosts));
    });
  }

 private:
  AnalyzerMeta meta_{"retry_on_grpc",
                     "retryOn lists on gRPC routes that name no gRPC status, so UNAVAILABLE is no longer retried",
                     {Kind::VirtualService},
                     {Kind::Service},
                     Hop::Route};
};

}  // namespace

std::unique_ptr<Analyzer> make_retry_on_grpc() { return std::make_unique<RetryOnGrpc>(); }

}  // namespace grpcmesh::check::analyzers
