// The certificate a gateway serves: valid now, not about to expire, covering
// every host of the server, and matching its private key.
#include <fmt/format.h>

#include "core/check/analyzers/analyzers.hpp"
#include "core/check/tls_servers.hpp"
#include "core/check/certificate.hpp"
#include "core/check/mesh.hpp"

namespace grpcmesh::check::analyzers {
namespace {

constexpr auto kSoon = std::chrono::hours(24 * 30);

class GatewayCertificate final : public Analyzer {
 public:
  const AnalyzerMeta& meta() const override { return meta_; }

  void analyze(Context& ctx) const override {
    for_each_credential_lookup(ctx, [&](const Resource& gw, const std::string& ns, const CredentialUse& use) {
      const Resource* secret = ctx.find(Kind::Secret, ns, use.credential);
      if (secret == nullptr) {
        return;  // gateway_credential reports it
      }
      if (secret->credential && secret->credential->certificate) {
        check(ctx, gw, use, ns + "/" + use.credential, *secret->credential->certificate,
              secret->credential->key_matches);
      }
    });
  }

 private:
  static void check(Context& ctx, const Resource& gw, const CredentialUse& use, const std::string& secret,
                    const tls::LeafFacts& cert, bool key_matches) {
    std::string host = use.hosts.empty() ? std::string() : use.hosts[0];
    auto now = ctx.now();
    if (cert.not_after <= now) {
      ctx.report(gw, msg::CertificateExpired(secret, tls::format_time(cert.not_after)).for_host(host));
    } else if (cert.not_after - now < kSoon) {
      int days = static_cast<int>(std::chrono::duration_cast<std::chrono::hours>(cert.not_after - now).count() / 24);
      ctx.report(gw, msg::CertificateExpiringSoon(secret, tls::format_time(cert.not_after), days).for_host(host));
    }
    if (cert.not_before > now) {
      ctx.report(gw, msg::CertificateNotYetValid(secret, tls::format_time(cert.not_before)).for_host(host));
    }
    if (!key_matches) {
      ctx.report(gw, msg::CertificateKeyMismatch(secret).for_host(host));
    }
    for (const std::string& h : use.hosts) {
      if (h == "*") {
        continue;
      }
      bool covered = false;
      for (const std::string& name : cert.dns_names) {
        covered = covered || tls::dns_name_covers(name, h);
      }
      if (!covered) {
        ctx.report(gw, msg::CertificateHostMismatch(secret, h, NameList{cert.dns_names})
                           .for_host(h));
      }
    }
  }

  AnalyzerMeta meta_{"gateway_certificate",
                     "Gateway certificates: expired, not yet valid, expiring within 30 days, not covering the host, key mismatch",
                     {Kind::Gateway, Kind::Secret, Kind::Service},
                     {Kind::Pod},
                     Hop::Server};
};

}  // namespace

std::unique_ptr<Analyzer> make_gateway_certificate() { return std::make_unique<GatewayCertificate>(); }

}  // namespace grpcmesh::check::analyzers
