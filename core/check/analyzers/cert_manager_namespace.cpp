// The most common Istio ingress TLS failure with cert-manager: the
// Certificate is created next to the application or the Gateway resource, so
// its Secret lands in a namespace the gateway pods never read
// (credentialName is looked up where the gateway workload runs).
#include <fmt/format.h>

#include "core/check/analyzers/analyzers.hpp"
#include "core/check/cert_manager.hpp"
#include "core/check/tls_servers.hpp"

namespace grpcmesh::check::analyzers {
namespace {

class CertManagerNamespace final : public Analyzer {
 public:
  const AnalyzerMeta& meta() const override { return meta_; }

  void analyze(Context& ctx) const override {
    for_each_credential_lookup(ctx, [&](const Resource& gw, const std::string& ns, const CredentialUse& use) {
      if (ctx.find(Kind::Secret, ns, use.credential) != nullptr ||
          !certificates_writing(ctx, ns, use.credential).empty()) {
        return;  // the gateway finds it, or a Certificate there will write it
      }
      const auto hosts = plain_hosts(use.hosts);
      const std::string host = hosts.empty() ? "HOST" : hosts[0];
      for (const Resource* cert : certificates_writing(ctx, "", use.credential)) {
        const std::string issuer(cert->spec()["issuerRef"]["name"].str());
        std::string command = fmt::format("kubectl grpcmesh tls --host {} --issuer {}", host, issuer);
        if (cert->spec()["issuerRef"]["kind"].str() == "ClusterIssuer") {
          command += " --issuer-kind ClusterIssuer";
        } else {
          // A namespaced Issuer signs only in its own namespace.
          command = fmt::format("create Issuer {} in namespace {} (a namespaced Issuer signs only there), then {}",
                                issuer, ns, command);
        }
        ctx.report(gw, msg::CertificateWrongNamespace(cert->namespace_name, cert->name, use.credential, ns, command)
                              .for_host(hosts.empty() ? std::string() : hosts[0]));
      }
    });
  }

 private:
  AnalyzerMeta meta_{"cert_manager_namespace",
                     "cert-manager Certificates writing a server's credentialName in a namespace the gateway does not read",
                     {Kind::Gateway, Kind::Secret, Kind::Service},
                     {Kind::Pod, Kind::Certificate},
                     Hop::Server};
};

}  // namespace

std::unique_ptr<Analyzer> make_cert_manager_namespace() { return std::make_unique<CertManagerNamespace>(); }

}  // namespace grpcmesh::check::analyzers
