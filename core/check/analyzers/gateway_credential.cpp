// credentialName is looked up in the namespace of the gateway WORKLOAD (the
// pods the selector picks), not of the Gateway (istio pilot/pkg/xds/sds.go).
// The secret must exist there and hold a certificate and key Istio can use.
#include "core/check/analyzers/analyzers.hpp"
#include "core/check/tls_servers.hpp"
#include "core/check/certificate.hpp"
#include "core/check/mesh.hpp"

namespace grpcmesh::check::analyzers {
namespace {

class GatewayCredential final : public Analyzer {
 public:
  const AnalyzerMeta& meta() const override { return meta_; }

  void analyze(Context& ctx) const override {
    for (const Resource& gw : ctx.list(Kind::Gateway)) {
      auto uses = credential_uses(gw);
      if (uses.empty()) {
        continue;
      }
      for (const std::string& ns : mesh::workload_namespaces(ctx, gw)) {
        for (const CredentialUse& use : uses) {
          std::string host = use.hosts.empty() ? std::string() : use.hosts[0];
          check(ctx, gw, use, ns, host);
        }
      }
    }
  }

 private:
  static void check(Context& ctx, const Resource& gw, const CredentialUse& use, const std::string& ns,
                    const std::string& host) {
    const Resource* secret = ctx.find(Kind::Secret, ns, use.credential);
    if (secret == nullptr) {
      if (gw.namespace_name != ns && ctx.find(Kind::Secret, gw.namespace_name, use.credential) != nullptr) {
        ctx.report(gw, msg::CredentialInGatewayNamespace(use.credential, gw.namespace_name, ns).for_host(host));
      } else {
        ctx.report(gw, msg::CredentialNotFound(use.credential, ns).for_host(host));
      }
      return;
    }
    TlsCredential credential = read_tls_secret(secret->object);
    if (!credential.problem.empty()) {
      ctx.report(gw, msg::CredentialUnusable(ns + "/" + use.credential, credential.problem).for_host(host));
      return;
    }
    if (use.mode == "MUTUAL" && !credential.has_ca &&
        ctx.find(Kind::Secret, ns, use.credential + "-cacert") == nullptr) {
      ctx.report(gw, msg::CredentialUnusable(ns + "/" + use.credential,
                                             "MUTUAL needs a CA: add ca.crt to it or create the secret " +
                                                 use.credential + "-cacert")
                         .for_host(host));
    }
  }

  AnalyzerMeta meta_{"gateway_credential",
                     "TLS credentialName secrets: missing, in the Gateway's namespace instead of the workload's, unusable",
                     {Kind::Gateway, Kind::Secret, Kind::Service},
                     {Kind::Pod}};
};

}  // namespace

std::unique_ptr<Analyzer> make_gateway_credential() { return std::make_unique<GatewayCredential>(); }

}  // namespace grpcmesh::check::analyzers
