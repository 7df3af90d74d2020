// A Secret whose certificate expires within 14 days while the Certificate
// writing it cannot renew it (its issuer is missing or not Ready, or the last
// issuance failed): the gateway will serve an expired certificate.
#include "core/check/analyzers/analyzers.hpp"
#include "core/check/cert_manager.hpp"
#include "core/check/certificate.hpp"
#include "core/check/tls_servers.hpp"
#include "core/tls/certificate.hpp"

namespace grpcmesh::check::analyzers {
namespace {

constexpr auto kSoon = std::chrono::hours(24 * 14);

class CertManagerExpiry final : public Analyzer {
 public:
  const AnalyzerMeta& meta() const override { return meta_; }

  void analyze(Context& ctx) const override {
    for_each_credential_lookup(ctx, [&](const Resource&, const std::string& ns, const CredentialUse& use) {
      const Resource* secret = ctx.find(Kind::Secret, ns, use.credential);
      if (secret == nullptr || !secret->credential || !secret->credential->certificate) {
        return;
      }
      const auto not_after = secret->credential->certificate->not_after;
      if (not_after - ctx.now() > kSoon) {
        return;
      }
      const auto hosts = plain_hosts(use.hosts);
      for (const Resource* cert : certificates_writing(ctx, ns, use.credential)) {
        const IssuerLookup issuer = issuer_of(ctx, *cert);
        std::string reason;  // the issuer first: a Certificate waiting for it has no failure of its own
        if (!issuer.external && issuer.issuer == nullptr) {
          reason = issuer.ref + " does not exist";
        } else if (!issuer.external && !issuer.ready) {
          reason = issuer.ref + " is not Ready (" + issuer.reason + ")";
        } else if (const CertificateStatus status = certificate_status(ctx, *cert); status.failed) {
          reason = status.reason;
        }
        if (!reason.empty()) {
          ctx.report(*cert, msg::CertificateExpiringNoRenewal(ns, use.credential, tls::format_time(not_after),
                                                              cert->name, reason)
                                .for_host(hosts.empty() ? std::string() : hosts[0]));
        }
      }
    });
  }

 private:
  AnalyzerMeta meta_{"cert_manager_expiry",
                     "a server's certificate about to expire while its cert-manager Certificate cannot renew it",
                     {Kind::Gateway, Kind::Secret, Kind::Service},
                     {Kind::Pod, Kind::Certificate, Kind::CertificateRequest, Kind::Issuer, Kind::ClusterIssuer},
                     Hop::Server};
};

}  // namespace

std::unique_ptr<Analyzer> make_cert_manager_expiry() { return std::make_unique<CertManagerExpiry>(); }

}  // namespace grpcmesh::check::analyzers
