#include "core/gatewayapi/api.hpp"

#include <doctest/doctest.h>

#include "core/util/error.hpp"
#include "tests/unit/mesh/fixtures.hpp"

using namespace grpcmesh::gatewayapi;
using grpcmesh::testing::error_of;

namespace {

ApiFacts new_host() {
  ApiFacts f;
  f.host = "grpc.example.com";
  return f;
}

}  // namespace

TEST_CASE("api: --api wins, and without a cluster the default is Istio's API") {
  CHECK(choose_api(Api::GatewayApi, std::nullopt).api == Api::GatewayApi);
  CHECK(choose_api(Api::Istio, new_host()).reason == "--api istio");
  const ApiChoice offline = choose_api(std::nullopt, std::nullopt);
  CHECK(offline.api == Api::Istio);
  CHECK(offline.reason == "--dry-run=client reads no cluster; pass --api gateway-api for the Gateway API");
  CHECK(parse_api("gateway-api") == Api::GatewayApi);
  CHECK(error_of([] { parse_api("gateway"); }) ==
        "invalid argument \"gateway\" for \"--api\" flag: must be istio or gateway-api");
}

TEST_CASE("api: a host keeps the API it uses") {
  ApiFacts f = new_host();
  f.gateway_api_served = true;
  f.istio_gateway = "istio-system/grpc-example-com";
  CHECK(choose_api(std::nullopt, f).api == Api::Istio);
  CHECK(choose_api(std::nullopt, f).reason == "grpc.example.com is served by Istio Gateway istio-system/grpc-example-com");
  f.istio_gateway.clear();
  f.istio_ingress_pods = true;  // pods do not matter once the host is on the Gateway API
  f.gateway_api_gateway = "istio-ingress/grpc-example-com";
  CHECK(choose_api(std::nullopt, f).api == Api::GatewayApi);
  f.istio_gateway = "istio-system/grpc-example-com";
  CHECK(error_of([&] { choose_api(std::nullopt, f); }) ==
        "grpc.example.com is served by both Istio Gateway istio-system/grpc-example-com and Gateway API Gateway "
        "istio-ingress/grpc-example-com; pass --api istio or --api gateway-api to say which to change");
  CHECK(choose_api(Api::Istio, f).api == Api::Istio);
}

TEST_CASE("api: a new host gets the Gateway API only when it is served and no Istio ingress gateway pods run") {
  ApiFacts f = new_host();
  CHECK(choose_api(std::nullopt, f).api == Api::Istio);
  CHECK(choose_api(std::nullopt, f).reason == "grpc.example.com is a new host and gateway.networking.k8s.io/v1 is not served");
  f.gateway_api_served = true;
  f.istio_ingress_pods = true;
  CHECK(choose_api(std::nullopt, f).api == Api::Istio);
  CHECK(choose_api(std::nullopt, f).reason ==
        "grpc.example.com is a new host and Istio ingress gateway pods (istio=ingressgateway) are there");
  f.istio_ingress_pods = false;
  const ApiChoice c = choose_api(std::nullopt, f);
  CHECK(c.api == Api::GatewayApi);
  CHECK(describe(c) ==
        "API: gateway-api (gateway.networking.k8s.io/v1 Gateway and GRPCRoute): grpc.example.com is a new host, "
        "gateway.networking.k8s.io/v1 is served and no Istio ingress gateway pods (istio=ingressgateway) are there");
}
