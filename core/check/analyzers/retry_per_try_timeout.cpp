// retries.perTryTimeout on a route that carries gRPC. Envoy starts a try's
// clock, like the route timeout's, when the downstream request is complete
// (go-control-plane envoy/config/route/v3/route_components.pb.go:
// RetryPolicy.per_try_timeout has the conditions of
// x-envoy-upstream-rq-per-try-timeout-ms; RouteAction.timeout "spans between
// the point at which the entire downstream request (i.e. end-of-stream) has
// been processed" and the end of the response). A server-streaming call's
// request is complete at once, so its stream is cut after perTryTimeout. An
// error where the backend's DestinationRule is set up for long streams.
#include "core/check/analyzers/analyzers.hpp"
#include "core/check/mesh.hpp"
#include "core/check/retry_rules.hpp"

namespace grpcmesh::check::analyzers {
namespace {

class RetryPerTryTimeout final : public Analyzer {
 public:
  const AnalyzerMeta& meta() const override { return meta_; }

  void analyze(Context& ctx) const override {
    retry_rules::for_each_retries(ctx, [&](const Resource& vs, const auto& hosts, int rule, Node http, Node retries) {
      Node per_try = retries["perTryTimeout"];
      // attempts 0: Istio generates no retry policy, so no per-try timeout
      if (!per_try.is_string() || !mesh::parse_duration(per_try.str()) || retry_rules::attempts(retries) <= 0 ||
          !retry_rules::carries_grpc(ctx, vs, http)) {
        return;
      }
      if (const Resource* dr = retry_rules::stream_settings_rule(ctx, vs, http)) {
        ctx.report(vs, mesh::on_first_host(msg::PerTryTimeoutCutsIntendedStreams(rule, per_try.str(),
                                                                                 dr->namespace_name + "/" + dr->name),
                                           hosts));
      } else {
        ctx.report(vs, mesh::on_first_host(msg::PerTryTimeoutCutsStreams(rule, per_try.str()), hosts));
      }
    });
  }

 private:
  AnalyzerMeta meta_{"retry_per_try_timeout",
                     "retries.perTryTimeout on gRPC routes, which cuts server streams longer than it",
                     {Kind::VirtualService},
                     {Kind::Service, Kind::DestinationRule},
                     Hop::Route};
};

}  // namespace

std::unique_ptr<Analyzer> make_retry_per_try_timeout() { return std::make_unique<RetryPerTryTimeout>(); }

}  // namespace grpcmesh::check::analyzers
