// The cluster each routed call reaches is sent to the pod and speaks HTTP/2
// upstream (explicit HTTP/2 protocol options).
#include <set>

#include "core/check/deep/deep_analyzer.hpp"

namespace grpcmesh::check::deep::analyzers {
namespace {

class ClusterHttp2 final : public DeepAnalyzer {
 public:
  const DeepMeta& meta() const override { return meta_; }

  void analyze(DeepContext& ctx) const override {
    if (ctx.pod.dump == nullptr || ctx.located.virtual_host == nullptr) {
      return;
    }
    std::set<std::string> seen;
    for (const ExpectedRoute& e : ctx.expected.routes) {
      const HttpRoute* r = first_match(*ctx.located.virtual_host, e.path);
      if (r == nullptr || r->cluster.empty() || r->cluster.find(',') != std::string::npos ||
          (!e.cluster.empty() && r->cluster != e.cluster) || !seen.insert(r->cluster).second) {
        continue;
      }
      auto c = ctx.pod.dump->clusters.find(r->cluster);
      if (c == ctx.pod.dump->clusters.end()) {
        ctx.report(msg::DeepClusterMissing(ctx.pod.proxy, r->cluster, call_of(ctx.expected, e)));
      } else if (!c->second.http2) {
        ctx.report(msg::DeepClusterNotHttp2(ctx.pod.proxy, r->cluster, call_of(ctx.expected, e)));
      }
    }
  }

 private:
  DeepMeta meta_{"cluster_http2", "The cluster of each routed call exists on the gateway pod and speaks HTTP/2",
                 Hop::Backend};
};

}  // namespace

std::unique_ptr<DeepAnalyzer> make_cluster_http2() { return std::make_unique<ClusterHttp2>(); }

}  // namespace grpcmesh::check::deep::analyzers
