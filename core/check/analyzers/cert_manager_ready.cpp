// A Certificate writing a gateway server's Secret that cert-manager has not
// made Ready: still being issued while the Secret does not exist yet
// (pending), or not Ready with cert-manager's own reason. A Certificate
// whose issuer is missing or not Ready is left to cert_manager_issuer.
#include "core/check/analyzers/analyzers.hpp"
#include "core/check/cert_manager.hpp"
#include "core/check/tls_servers.hpp"

namespace grpcmesh::check::analyzers {
namespace {

class CertManagerReady final : public Analyzer {
 public:
  const AnalyzerMeta& meta() const override { return meta_; }

  void analyze(Context& ctx) const override {
    for_each_credential_lookup(ctx, [&](const Resource& gw, const std::string& ns, const CredentialUse& use) {
      const auto hosts = plain_hosts(use.hosts);
      const std::string host = hosts.empty() ? std::string() : hosts[0];
      const bool secret_exists = ctx.find(Kind::Secret, ns, use.credential) != nullptr;
      for (const Resource* cert : certificates_writing(ctx, ns, use.credential)) {
        const CertificateStatus status = certificate_status(ctx, *cert);
        if (status.ready) {
          continue;
        }
        const IssuerLookup issuer = issuer_of(ctx, *cert);
        if (!issuer.external && (issuer.issuer == nullptr || !issuer.ready)) {
          continue;  // the issuer is the broken link (cert_manager_issuer)
        }
        if (!secret_exists && !status.failed) {
          // On the Gateway, as GM0022 would be (istioctl analyze: IST0101 there).
          ctx.report(gw, msg::CertificatePending(ns, use.credential, cert->name, status.reason).for_host(host));
        } else {
          ctx.report(*cert, msg::CertificateNotReady(ns, cert->name, use.credential, status.reason).for_host(host));
        }
      }
    });
  }

 private:
  AnalyzerMeta meta_{"cert_manager_ready",
                     "cert-manager Certificates of a server's Secret: still issuing (pending) or not Ready, with why",
                     {Kind::Gateway, Kind::Secret, Kind::Service},
                     {Kind::Pod, Kind::Certificate, Kind::CertificateRequest, Kind::Issuer, Kind::ClusterIssuer},
                     Hop::Server};
};

}  // namespace

std::unique_ptr<Analyzer> make_cert_manager_ready() { return std::make_unique<CertManagerReady>(); }

}  // namespace grpcmesh::check::analyzers
