// A listener on the server's port (or the targetPort the gateway Service maps
// it to) with a filter chain for the host: by SNI on a TLS server, the plain
// HTTP chain on a plaintext one.
#include <fmt/format.h>

#include "core/check/deep/deep_analyzer.hpp"

namespace grpcmesh::check::deep::analyzers {
namespace {

class FilterChainPresent final : public DeepAnalyzer {
 public:
  const DeepMeta& meta() const override { return meta_; }

  void analyze(DeepContext& ctx) const override {
    if (ctx.pod.dump == nullptr || ctx.expected.servers.empty() || ctx.located.chain != nullptr) {
      return;
    }
    std::vector<std::string> listeners;
    for (const Listener& l : ctx.pod.dump->listeners) {
      listeners.push_back(l.name);
    }
    const ExpectedServer& server = *ctx.located.server;
    ctx.report(msg::DeepFilterChainMissing(ctx.pod.proxy, ctx.expected.host, server.port, joined(listeners)));
  }

 private:
  DeepMeta meta_{"filter_chain", "The gateway pod has a listener filter chain for the host on the server's port",
                 Hop::Server};
};

}  // namespace

std::unique_ptr<DeepAnalyzer> make_filter_chain() { return std::make_unique<FilterChainPresent>(); }

}  // namespace grpcmesh::check::deep::analyzers
