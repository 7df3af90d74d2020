// The issuer of a Certificate writing a gateway server's Secret: missing
// (a namespaced Issuer in another namespace does not count: it signs only in
// its own) or not Ready, with cert-manager's reason.
#include <fmt/format.h>

#include "core/check/analyzers/analyzers.hpp"
#include "core/check/cert_manager.hpp"
#include "core/check/tls_servers.hpp"

namespace grpcmesh::check::analyzers {
namespace {

class CertManagerIssuer final : public Analyzer {
 public:
  const AnalyzerMeta& meta() const override { return meta_; }

  void analyze(Context& ctx) const override {
    for_each_credential_lookup(ctx, [&](const Resource&, const std::string& ns, const CredentialUse& use) {
      const auto hosts = plain_hosts(use.hosts);
      const std::string host = hosts.empty() ? std::string() : hosts[0];
      for (const Resource* cert : certificates_writing(ctx, ns, use.credential)) {
        const IssuerLookup issuer = issuer_of(ctx, *cert);
        if (issuer.external) {
          continue;
        }
        if (issuer.issuer == nullptr) {
          const std::string elsewhere =
              issuer.elsewhere.empty()
                  ? std::string("no issuer of that name anywhere")
                  : fmt::format("an Issuer named {} is in {}, but a namespaced Issuer signs only in its own namespace",
                                issuer.name, fmt::join(issuer.elsewhere, ", "));
          ctx.report(*cert, msg::IssuerNotFound(ns, cert->name, issuer.ref, elsewhere).for_host(host));
        } else if (!issuer.ready) {
          ctx.report(*cert, msg::IssuerNotReady(issuer.ref, ns, cert->name, issuer.reason, issuer.describe)
                                .for_host(host));
        }
      }
    });
  }

 private:
  AnalyzerMeta meta_{"cert_manager_issuer",
                     "the issuer of a server's cert-manager Certificate: missing or not Ready",
                     {Kind::Gateway, Kind::Service},
                     {Kind::Pod, Kind::Certificate, Kind::Issuer, Kind::ClusterIssuer},
                     Hop::Server};
};

}  // namespace

std::unique_ptr<Analyzer> make_cert_manager_issuer() { return std::make_unique<CertManagerIssuer>(); }

}  // namespace grpcmesh::check::analyzers
