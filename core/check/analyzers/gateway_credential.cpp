// credentialName is looked up in the namespace of the gateway WORKLOAD (the
// pods the selector picks), not of the Gateway (istio pilot/pkg/xds/sds.go).
// The secret must exist there and hold a certificate and key Istio can use.
#include "core/check/analyzers/analyzers.hpp"
#include "core/check/cert_manager.hpp"
#include "core/check/tls_servers.hpp"
#include "core/check/certificate.hpp"
#include "core/check/mesh.hpp"

namespace grpcmesh::check::analyzers {
namespace {

class GatewayCredential final : public Analyzer {
 public:
  const AnalyzerMeta& meta() const override { return meta_; }

  void analyze(Context& ctx) const override {
    for_each_credential_lookup(ctx, [&](const Resource& gw, const std::string& ns, const CredentialUse& use) {
      check(ctx, gw, use, ns, use.hosts.empty() ? std::string() : use.hosts[0]);
    });
  }

 private:
  static void check(Context& ctx, const Resource& gw, const CredentialUse& use, const std::string& ns,
                    const std::string& host) {
    const Resource* secret = ctx.find(Kind::Secret, ns, use.credential);
    if (secret == nullptr && !certificates_writing(ctx, "", use.credential).empty()) {
      return;  // a cert-manager Certificate writes it: the cert_manager_* analyzers say where and why
    }
    if (secret == nullptr) {
      if (gw.namespace_name != ns && ctx.find(Kind::Secret, gw.namespace_name, use.credential) != nullptr) {
        ctx.report(gw, msg::CredentialInGatewayNamespace(use.credential, gw.namespace_name, ns).for_host(host));
      } else {
        ctx.report(gw, msg::CredentialNotFound(use.credential, ns).for_host(host));
      }
      return;
    }
    if (!secret->credential) {
      return;  // not read from a manifest or the cluster (tests that build objects by hand)
    }
    const TlsCredential& credential = *secret->credential;
    if (!credential.problem.empty()) {
      ctx.report(gw, msg::CredentialUnusable(ns, use.credential, credential.problem).for_host(host));
      return;
    }
    if (use.mode == "MUTUAL" || use.mode == "OPTIONAL_MUTUAL") {
      check_client_ca(ctx, gw, use, ns, host, credential);
    }
  }

  // Istio reads the client CA from the Secret "<credentialName>-cacert" when
  // it exists (and then only from it), else from ca.crt/cacert in the
  // credential Secret itself (istio pilot/pkg/credentials/kube/secrets.go
  // GetCaCert, ExtractRoot).
  static void check_client_ca(Context& ctx, const Resource& gw, const CredentialUse& use, const std::string& ns,
                              const std::string& host, const TlsCredential& credential) {
    const std::string ca_name = use.credential + "-cacert";
    std::string problem;
    if (const Resource* ca = ctx.find(Kind::Secret, ns, ca_name)) {
      if (ca->credential && !ca->credential->has_ca) {
        problem = "Secret " + ns + "/" + ca_name + " has no ca.crt or cacert entry, and Istio reads the CA only from it";
      }
    } else if (!credential.has_ca) {
      problem = "there is no Secret " + ns + "/" + ca_name + " and no ca.crt or cacert entry in Secret " + ns + "/" +
                use.credential;
    }
    if (!problem.empty()) {
      ctx.report(gw, msg::MutualClientCaMissing(use.mode, use.credential, problem, ns).for_host(host));
    }
  }

  AnalyzerMeta meta_{"gateway_credential",
                     "TLS credentialName secrets: missing, in the Gateway's namespace instead of the workload's, unusable",
                     {Kind::Gateway, Kind::Secret, Kind::Service},
                     {Kind::Pod, Kind::Certificate},
                     Hop::Server};
};

}  // namespace

std::unique_ptr<Analyzer> make_gateway_credential() { return std::make_unique<GatewayCredential>(); }

}  // namespace grpcmesh::check::analyzers
