// The certificate a gateway serves: valid now, not about to expire, covering
// every host of the server, and matching its private key.
#include <fmt/format.h>

#include "core/check/analyzers/analyzers.hpp"
#include "core/check/tls_servers.hpp"
#include "core/check/certificate.hpp"
#include "core/check/mesh.hpp"

namespace grpcmesh::check::analyzers {
namespace {

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
        report_certificate_facts(ctx, gw, ns + "/" + use.credential, *secret->credential->certificate,
                                 secret->credential->key_matches, use.hosts);
      }
    });
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
