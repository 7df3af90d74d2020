// The upstream idle timeout of each routed call's cluster is the one the
// DestinationRule Istio applies to the destination sets
// (connectionPool.http.idleTimeout, which `stream` writes): istiod puts it in
// the cluster's commonHttpProtocolOptions.idleTimeout.
#include "core/check/deep/deep_analyzer.hpp"
#include "core/check/mesh.hpp"

namespace grpcmesh::check::deep::analyzers {
namespace {

class ClusterIdleTimeout final : public DeepAnalyzer {
 public:
  const DeepMeta& meta() const override { return meta_; }

  void analyze(DeepContext& ctx) const override {
    if (ctx.located.virtual_host == nullptr || ctx.pod.dump == nullptr) {
      return;
    }
    for (const ExpectedRoute& e : ctx.expected.routes) {
      if (!e.idle_timeout) {
        continue;
      }
      const HttpRoute* r = first_match(*ctx.located.virtual_host, e.path);
      if (r == nullptr || r->cluster.empty() || (!e.cluster.empty() && r->cluster != e.cluster)) {
        continue;  // route_services reports it
      }
      auto c = ctx.pod.dump->clusters.find(r->cluster);
      if (c == ctx.pod.dump->clusters.end()) {
        continue;  // cluster_http2 reports it
      }
      auto want = mesh::parse_duration(*e.idle_timeout);
      auto live = c->second.idle_timeout ? mesh::parse_duration(*c->second.idle_timeout) : std::nullopt;
      if (want && (!live || *live != *want)) {
        ctx.report(msg::DeepIdleTimeout(ctx.pod.proxy, r->cluster,
                                        c->second.idle_timeout.value_or("none (Envoy's default, 1h)"),
                                        e.idle_timeout_rule, *e.idle_timeout, ctx.expected.host));
      }
    }
  }

 private:
  DeepMeta meta_{"cluster_idle_timeout",
                 "Each routed cluster's upstream idle timeout is the one its DestinationRule sets", Hop::Backend};
};

}  // namespace

std::unique_ptr<DeepAnalyzer> make_cluster_idle_timeout() { return std::make_unique<ClusterIdleTimeout>(); }

}  // namespace grpcmesh::check::deep::analyzers
