// Gateway API listeners whose certificateRefs name a Secret in another
// namespace that no ReferenceGrant there opens to the Gateway's namespace:
// istiod refuses the reference (ResolvedRefs False, RefNotPermitted) and the
// listener is not programmed (Accepted False, NoValidCACertificate; the real
// istiod's status in tests/e2e/istiod/gateway_api_status_test.cpp).
#include <fmt/format.h>

#include "core/check/analyzers/analyzers.hpp"
#include "core/check/gatewayapi.hpp"

namespace grpcmesh::check::analyzers {
namespace {

class GatewayApiCertificateGrant final : public Analyzer {
 public:
  const AnalyzerMeta& meta() const override { return meta_; }

  void analyze(Context& ctx) const override {
    for (const Resource& gw : ctx.list(Kind::KubeGateway)) {
      for (Node l : gw.spec()["listeners"]) {
        for (Node ref : l["tls"]["certificateRefs"]) {
          std::string_view group = ref["group"].str();
          std::string_view kind = ref["kind"].is_string() ? ref["kind"].str() : "Secret";
          std::string_view ns = ref["namespace"].is_string() ? ref["namespace"].str() : gw.namespace_name;
          if (!group.empty() || kind != "Secret" || ns == gw.namespace_name) {
            continue;
          }
          std::string_view name = ref["name"].str();
          if (gatewayapi::reference_granted(ctx, "Gateway", gw.namespace_name, "", "Secret", ns, name)) {
            continue;
          }
          Message m = msg::GatewayApiCertificateNotGranted(
              fmt::format("{}/{}/{}", gw.namespace_name, gw.name, l["name"].str()), ns, name, gw.namespace_name);
          if (l["hostname"].is_string()) {
            m = std::move(m).for_host(std::string(l["hostname"].str()));
          }
          ctx.report(gw, std::move(m));
        }
      }
    }
  }

 private:
  AnalyzerMeta meta_{"gatewayapi_certificate_grant",
                     "Gateway API listeners using a Secret of another namespace without a ReferenceGrant",
                     {},
                     {Kind::KubeGateway, Kind::ReferenceGrant},
                     Hop::Server};
};

}  // namespace

std::unique_ptr<Analyzer> make_gatewayapi_certificate_grant() { return std::make_unique<GatewayApiCertificateGrant>(); }

}  // namespace grpcmesh::check::analyzers
