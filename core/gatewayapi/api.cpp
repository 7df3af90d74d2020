#include "core/gatewayapi/api.hpp"

#include <fmt/format.h>

#include "core/util/error.hpp"

namespace grpcmesh::gatewayapi {

Api parse_api(const std::string& value) {
  if (value == "istio") {
    return Api::Istio;
  }
  if (value == "gateway-api") {
    return Api::GatewayApi;
  }
  throw UsageError(fmt::format("invalid argument \"{}\" for \"--api\" flag: must be istio or gateway-api", value));
}

std::string api_flag_value(Api api) { return api == Api::Istio ? "istio" : "gateway-api"; }

ApiChoice choose_api(const std::optional<Api>& flag, const std::optional<ApiFacts>& facts) {
  if (flag) {
    return {*flag, "--api " + api_flag_value(*flag)};
  }
  if (!facts) {
    return {Api::Istio, "--dry-run=client reads no cluster; pass --api gateway-api for the Gateway API"};
  }
  const ApiFacts& f = *facts;
  if (!f.istio_gateway.empty() && !f.gateway_api_gateway.empty()) {
    throw UsageError(fmt::format("{} is served by both Istio Gateway {} and Gateway API Gateway {}; pass --api istio "
                                 "or --api gateway-api to say which to change",
                                 f.host, f.istio_gateway, f.gateway_api_gateway));
  }
  if (!f.gateway_api_gateway.empty()) {
    return {Api::GatewayApi, fmt::format("{} is served by Gateway {}", f.host, f.gateway_api_gateway)};
  }
  if (!f.istio_gateway.empty()) {
    return {Api::Istio, fmt::format("{} is served by Istio Gateway {}", f.host, f.istio_gateway)};
  }
  if (!f.gateway_api_served) {
    return {Api::Istio, fmt::format("{} is a new host and gateway.networking.k8s.io/v1 is not served", f.host)};
  }
  if (f.istio_ingress_pods) {
    return {Api::Istio, fmt::format("{} is a new host and Istio ingress gateway pods ({}) are there", f.host,
                                    f.selector)};
  }
  return {Api::GatewayApi, fmt::format("{} is a new host, gateway.networking.k8s.io/v1 is served and no Istio ingress "
                                       "gateway pods ({}) are there",
                                       f.host, f.selector)};
}

std::string describe(const ApiChoice& choice) {
  return fmt::format("API: {} ({}): {}", api_flag_value(choice.api),
                     choice.api == Api::Istio ? "networking.istio.io Gateway and VirtualService"
                                              : "gateway.networking.k8s.io/v1 Gateway and GRPCRoute",
                     choice.reason);
}

}  // namespace grpcmesh::gatewayapi
