// The gateway pod's xDS state in istiod (/debug/syncz): connected at all, and
// for each type SYNCED, STALE (sent but not acknowledged) or NACK (rejected,
// with the error the pod gave), as istiod's status generator decides them.
#include "core/check/deep/deep_analyzer.hpp"

namespace grpcmesh::check::deep::analyzers {
namespace {

class SyncState final : public DeepAnalyzer {
 public:
  const DeepMeta& meta() const override { return meta_; }

  void analyze(DeepContext& ctx) const override {
    const Resource& pod = *ctx.pod.pod;
    if (ctx.pod.sync == nullptr) {
      ctx.report(msg::DeepProxyNotConnected(ctx.pod.proxy, joined(ctx.istiods), pod.namespace_name, pod.name));
      return;
    }
    for (const TypeSync& t : ctx.pod.sync->types) {
      if (t.state == "NACK") {
        ctx.report(msg::DeepProxyNack(ctx.pod.proxy, short_type(t.type_url), t.error, ctx.expected.host,
                                      pod.namespace_name, pod.name));
      } else if (t.state == "STALE") {
        ctx.report(msg::DeepProxyStale(ctx.pod.proxy, short_type(t.type_url), t.sent, t.acked, ctx.expected.host,
                                       pod.namespace_name));
      }
    }
  }

 private:
  DeepMeta meta_{"sync_state", "Each gateway pod is connected to istiod and has ACKed every type it was sent", Hop::Server};
};

}  // namespace

std::unique_ptr<DeepAnalyzer> make_sync_state() { return std::make_unique<SyncState>(); }

}  // namespace grpcmesh::check::deep::analyzers
