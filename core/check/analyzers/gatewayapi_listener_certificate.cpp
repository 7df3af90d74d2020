// The certificate of a Gateway API listener that terminates TLS
// (certificateRefs to Secrets). istiod's Gateway API controller reads the
// Secret while it generates the configuration (unlike an Istio Gateway's
// credentialName, which goes through SDS): a Secret that does not exist or
// that it cannot parse leaves the listener without a filter chain, so the
// port refuses TLS for every host (GM0067; Istio's generator shows it in
// tests/oracle/check_agreement_gateway_api_test.cpp and
// gateway_api_goldens_test.cpp). A usable certificate is then judged as an
// Istio Gateway's is (gateway_certificate.cpp): dates, the listener's
// hostname, the key (GM0025 to GM0029).
// A Secret of another namespace without a ReferenceGrant is GM0062's.
#include <fmt/format.h>

#include "core/check/analyzers/analyzers.hpp"
#include "core/check/certificate.hpp"
#include "core/check/gatewayapi.hpp"
#include "core/check/tls_servers.hpp"

namespace grpcmesh::check::analyzers {
namespace {

class GatewayApiListenerCertificate final : public Analyzer {
 public:
  const AnalyzerMeta& meta() const override { return meta_; }

  void analyze(Context& ctx) const override {
    for (const Resource& gw : ctx.list(Kind::KubeGateway)) {
      for (Node l : gw.spec()["listeners"]) {
        Node tls = l["tls"];
        if (!tls.is_object() || (tls["mode"].is_string() && tls["mode"].str() != "Terminate")) {
          continue;  // no TLS, or Passthrough
        }
        const std::string host = l["hostname"].is_string() ? std::string(l["hostname"].str()) : std::string();
        const int port = l["port"].is_number_integer() ? l["port"].get<int>() : 0;
        const std::string listener = fmt::format("{}/{}/{}", gw.namespace_name, gw.name, l["name"].str());
        for (Node ref : tls["certificateRefs"]) {
          std::string_view group = ref["group"].is_string() ? ref["group"].str() : std::string_view();
          std::string_view kind = ref["kind"].is_string() ? ref["kind"].str() : std::string_view("Secret");
          std::string_view ns = ref["namespace"].is_string() ? ref["namespace"].str() : std::string_view(gw.namespace_name);
          std::string_view name = ref["name"].str();
          if (!group.empty() || kind != "Secret") {
            continue;
          }
          if (ns != gw.namespace_name &&
              !gatewayapi::reference_granted(ctx, "Gateway", gw.namespace_name, "", "Secret", ns, name)) {
            continue;  // GM0062
          }
          const Resource* secret = ctx.find(Kind::Secret, ns, name);
          if (secret == nullptr) {
            ctx.report(gw, msg::GatewayApiListenerCertificateUnusable(listener, ns, name, "does not exist", port).for_host(host));
            continue;
          }
          if (!secret->credential) {
            continue;  // not read from a manifest or the cluster (objects built by hand)
          }
          const TlsCredential& credential = *secret->credential;
          if (!credential.problem.empty() || !credential.certificate) {
            ctx.report(gw, msg::GatewayApiListenerCertificateUnusable(
                               listener, ns, name,
                               fmt::format("Istio cannot use: {}", credential.problem.empty() ? "no certificate" : credential.problem),
                               port)
                               .for_host(host));
            continue;
          }
          report_certificate_facts(ctx, gw, fmt::format("{}/{}", ns, name), *credential.certificate,
                                   credential.key_matches, host.empty() ? std::vector<std::string>() : std::vector{host});
        }
      }
    }
  }

  AnalyzerMeta meta_{"gatewayapi_listener_certificate",
                     "Gateway API Terminate listeners: a missing or unusable Secret, and its certificate's dates, names and key",
                     {Kind::Secret},
                     {Kind::KubeGateway, Kind::ReferenceGrant},
                     Hop::Server};
};

}  // namespace

std::unique_ptr<Analyzer> make_gatewayapi_listener_certificate() { return std::make_unique<GatewayApiListenerCertificate>(); }

}  // namespace grpcmesh::check::analyzers
