// The dnsNames of a Certificate writing a gateway server's Secret must cover
// the server's hosts (RFC 6125 wildcards, as tls::dns_name_covers matches a
// certificate's subjectAltNames): otherwise every certificate it issues is
// one clients reject, renewal after renewal.
#include <fmt/format.h>

#include "core/check/analyzers/analyzers.hpp"
#include "core/check/cert_manager.hpp"
#include "core/check/tls_servers.hpp"
#include "core/tls/certificate.hpp"

namespace grpcmesh::check::analyzers {
namespace {

class CertManagerDnsNames final : public Analyzer {
 public:
  const AnalyzerMeta& meta() const override { return meta_; }

  void analyze(Context& ctx) const override {
    for_each_credential_lookup(ctx, [&](const Resource&, const std::string& ns, const CredentialUse& use) {
      for (const Resource* cert : certificates_writing(ctx, ns, use.credential)) {
        std::vector<std::string> names;
        for (Node n : cert->spec()["dnsNames"]) {
          names.emplace_back(n.str());
        }
        for (const std::string& host : plain_hosts(use.hosts)) {
          bool covered = false;
          for (const std::string& name : names) {
            covered = covered || tls::dns_name_covers(name, host);
          }
          if (!covered) {
            const std::string list = names.empty() ? "none" : fmt::format("{}", fmt::join(names, ", "));
            ctx.report(*cert, msg::CertificateDnsNamesMissHost(ns, cert->name, use.credential, host, list)
                                  .for_host(host));
          }
        }
      }
    });
  }

 private:
  AnalyzerMeta meta_{"cert_manager_dns_names",
                     "cert-manager Certificates whose dnsNames do not cover the server's host",
                     {Kind::Gateway, Kind::Service},
                     {Kind::Pod, Kind::Certificate},
                     Hop::Server};
};

}  // namespace

std::unique_ptr<Analyzer> make_cert_manager_dns_names() { return std::make_unique<CertManagerDnsNames>(); }

}  // namespace grpcmesh::check::analyzers
