// The SDS secret the host's TLS filter chain asks for
// (kubernetes://credentialName) is among the secrets istiod sends the pod,
// when the pod asks istiod for secrets on its xDS connection at all, and the
// certificate it holds is valid for the host: a subjectAltName DNS entry
// names it (one wildcard label at most, as TLS clients match) and it is
// within its validity period.
#include <fmt/format.h>

#include <algorithm>

#include "core/check/deep/deep_analyzer.hpp"
#include "core/tls/certificate.hpp"
#include "core/tls/leaf_facts.hpp"
#include "core/util/error.hpp"

namespace grpcmesh::check::deep::analyzers {
namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

// RFC 6125: exact, or "*.rest" for exactly one more label.
bool names(const std::string& dns, const std::string& host) {
  std::string d = lower(dns), h = lower(host);
  if (d == h) {
    return true;
  }
  if (!d.starts_with("*.")) {
    return false;
  }
  auto dot = h.find('.');
  return dot != std::string::npos && dot > 0 && h.substr(dot) == d.substr(1);
}

// Why the certificate of `pem` does not serve `host`, or "" when it does.
std::string invalid_for(const std::string& pem, const std::string& host, const std::string& name) {
  std::vector<tls::CertificateInfo> chain;
  try {
    chain = tls::inspect(pem, name);
  } catch (const Error& e) {
    return fmt::format("cannot be read ({})", e.what());
  }
  const tls::LeafFacts leaf = tls::leaf_facts(chain.front());
  const auto now = tls::Clock::now();
  if (std::none_of(leaf.dns_names.begin(), leaf.dns_names.end(), [&](const std::string& d) { return names(d, host); })) {
    return fmt::format("names {} in its subjectAltName, not the host", joined(leaf.dns_names));
  }
  if (now > leaf.not_after) {
    return fmt::format("expired at {}", tls::format_time(leaf.not_after));
  }
  if (now < leaf.not_before) {
    return fmt::format("is not valid before {}", tls::format_time(leaf.not_before));
  }
  return "";
}

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
        continue;
      }
      if (s->second.chain_pem.empty()) {
        continue;  // no certificate inline: nothing to judge
      }
      if (std::string why = invalid_for(s->second.chain_pem, ctx.expected.host, name); !why.empty()) {
        ctx.report(msg::DeepSecretInvalid(ctx.pod.proxy, name, ctx.expected.host, why, ctx.located.server->credential,
                                          ctx.pod.pod->namespace_name));
      }
    }
  }

 private:
  DeepMeta meta_{"sds_secret", "The host's credentialName secret is delivered to the gateway pod over SDS, valid for the host",
                 Hop::Server};
};

}  // namespace

std::unique_ptr<DeepAnalyzer> make_sds_secret() { return std::make_unique<SdsSecret>(); }

}  // namespace grpcmesh::check::deep::analyzers
