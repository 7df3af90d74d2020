// Two Certificates writing the Secret a gateway server reads: cert-manager
// issues for each in turn, each overwriting the other's certificate and key,
// so what the gateway serves changes under it.
#include "core/check/analyzers/analyzers.hpp"
#include "core/check/cert_manager.hpp"
#include "core/check/tls_servers.hpp"

namespace grpcmesh::check::analyzers {
namespace {

class CertManagerSharedSecret final : public Analyzer {
 public:
  const AnalyzerMeta& meta() const override { return meta_; }

  void analyze(Context& ctx) const override {
    for_each_credential_lookup(ctx, [&](const Resource&, const std::string& ns, const CredentialUse& use) {
      const auto writers = certificates_writing(ctx, ns, use.credential);
      const auto hosts = plain_hosts(use.hosts);
      for (size_t i = 1; i < writers.size(); ++i) {
        ctx.report(*writers[i], msg::CertificateSecretShared(ns, writers[0]->name, writers[i]->name, use.credential)
                                    .for_host(hosts.empty() ? std::string() : hosts[0]));
      }
    });
  }

 private:
  AnalyzerMeta meta_{"cert_manager_shared_secret",
                     "two cert-manager Certificates writing the Secret a server reads",
                     {Kind::Gateway, Kind::Service},
                     {Kind::Pod, Kind::Certificate},
                     Hop::Server};
};

}  // namespace

std::unique_ptr<Analyzer> make_cert_manager_shared_secret() { return std::make_unique<CertManagerSharedSecret>(); }

}  // namespace grpcmesh::check::analyzers
