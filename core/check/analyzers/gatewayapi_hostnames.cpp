// Gateway API routes whose hostnames intersect the hostname of no listener
// they could attach to: istiod does not attach them (Accepted False,
// NoMatchingListenerHostname).
// Judged per parentRef as istiod judges it (gatewayapi.hpp attach); the real
// istiod's status (tests/e2e/istiod/gateway_api_status_test.cpp) agrees.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/check/analyzers/analyzers.hpp"
#include "core/check/gatewayapi.hpp"

namespace grpcmesh::check::analyzers {
namespace {

std::string shown_hostnames(const Resource& route) {
  auto names = gatewayapi::hostnames(route);
  return names.empty() ? std::string("(none: every hostname)") : fmt::format("{}", fmt::join(names, ", "));
}

class GatewayApiHostnames final : public Analyzer {
 public:
  const AnalyzerMeta& meta() const override { return meta_; }

  void analyze(Context& ctx) const override {
    gatewayapi::for_each_attachment(
        ctx, gatewayapi::Attachment::NoMatchingListenerHostname,
        [&](const Resource& route, const gatewayapi::ParentRef& ref, const Resource& gw, const gatewayapi::AttachmentResult& r) {
          const std::string host = gatewayapi::route_host(route);
          ctx.report(route, msg::GatewayApiHostnameMismatch(shown_hostnames(route), fmt::format("{}/{}", gw.namespace_name, gw.name),
                                                           ref.str(), r.detail)
                              .for_host(host));
        });
  }

 private:
  AnalyzerMeta meta_{"gatewayapi_hostnames",
                     "Gateway API routes whose hostnames intersect no listener's hostname",
                     {},
                     {Kind::GRPCRoute, Kind::HTTPRoute, Kind::KubeGateway},
                     Hop::Route};
};

}  // namespace

std::unique_ptr<Analyzer> make_gatewayapi_hostnames() { return std::make_unique<GatewayApiHostnames>(); }

}  // namespace grpcmesh::check::analyzers
