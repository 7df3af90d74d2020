// The SDS secret the host's TLS filter chain asks for
// (kubernetes://credentialName) is among the secrets istiod sends the pod,
// when the pod asks istiod for secrets on its xDS connection at all.
#include "core/check/deep/deep_analyzer.hpp"

namespace grpcmesh::check::deep::analyzers {
namespace {

constexpr std::string_view kSecretType = "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret";

class SdsSecret final : public DeepAnalyzer {
 public:
  const DeepMeta& meta() const override { return meta_; }

  void analyze(DeepContext& ctx) const override {
    const FilterChain* chain = ctx.located.chain;
    if (chain == nullptr || !chain->tls || ctx.pod.sync == nullptr || ctx.pod.dump == nullptr || ctx.located.server == nullptr ||
        ctx.located.server->credential.empty()) {
      return;
    }
    bool watched = false;
    for (const TypeSync& t : ctx.pod.sync->types) {
      watched = watched || t.type_url == kSecretType;
    }
    std::string wanted = "kubernetes://" + ctx.located.server->credential;
    if (!watched) {
      ctx.report(msg::DeepSecretNotWatched(ctx.pod.proxy, ctx.located.server->credential, ctx.expected.host));
      return;
    }
    for (const std::string& name : chain->sds_secrets) {
      if (name != wanted) {
        continue;
      }
      auto s = ctx.pod.dump->secrets.find(name);
      if (s == ctx.pod.dump->secrets.end() || !s->second.certificate) {
        ctx.report(msg::DeepSecretMissing(ctx.pod.proxy, name, ctx.expected.host, ctx.located.server->credential,
                                          ctx.pod.pod->namespace_name));
      }
    }
  }

 private:
  DeepMeta meta_{"sds_secret", "The host's credentialName secret is delivered to the gateway pod over SDS", Hop::Server};
};

}  // namespace

std::unique_ptr<DeepAnalyzer> make_sds_secret() { return std::make_unique<SdsSecret>(); }

}  // namespace grpcmesh::check::deep::analyzers
