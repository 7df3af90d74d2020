// Gateway API routes whose parentRef names, by sectionName or port, no
// listener of an existing Gateway: istiod does not attach them there
// (Accepted False, NoMatchingParent).
// Judged per parentRef as istiod judges it (gatewayapi.hpp attach); the real
// istiod's status (tests/e2e/istiod/gateway_api_status_test.cpp) agrees.
#include <fmt/format.h>

#include "core/check/analyzers/analyzers.hpp"
#include "core/check/gatewayapi.hpp"

namespace grpcmesh::check::analyzers {
namespace {

class GatewayApiParentRef final : public Analyzer {
 public:
  const AnalyzerMeta& meta() const override { return meta_; }

  void analyze(Context& ctx) const override {
    gatewayapi::for_each_attachment(
        ctx, gatewayapi::Attachment::NoMatchingParent,
        [&](const Resource& route, const gatewayapi::ParentRef& ref, const Resource& gw, const gatewayapi::AttachmentResult& r) {
          const std::string host = gatewayapi::route_host(route);
          ctx.report(route, msg::GatewayApiParentNotFound(ref.str(), r.detail).for_host(host));
        });
  }

 private:
  AnalyzerMeta meta_{"gatewayapi_parent_ref",
                     "Gateway API routes whose parentRef's sectionName or port names no listener of the Gateway",
                     {},
                     {Kind::GRPCRoute, Kind::HTTPRoute, Kind::KubeGateway},
                     Hop::Route};
};

}  // namespace

std::unique_ptr<Analyzer> make_gatewayapi_parent_ref() { return std::make_unique<GatewayApiParentRef>(); }

}  // namespace grpcmesh::check::analyzers
