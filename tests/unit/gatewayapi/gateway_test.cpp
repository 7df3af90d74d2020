#include "core/gatewayapi/gateway.hpp"

#include <doctest/doctest.h>

#include "core/util/error.hpp"

using grpcmesh::gatewayapi::gateway_from_flags;

TEST_CASE("gatewayapi: without a cluster the Gateway is --gateway NS/NAME, else the host's in --gateway-namespace") {
  auto shared = gateway_from_flags("infra/shared", "ignored", "grpc.example.com");
  CHECK(shared.namespace_name == "infra");
  CHECK(shared.name == "shared");
  auto own = gateway_from_flags("", "istio-ingress", "grpc.example.com");
  CHECK(own.namespace_name == "istio-ingress");
  CHECK(own.name == "grpc-example-com");
  CHECK_THROWS_AS(gateway_from_flags("", "", "grpc.example.com"), grpcmesh::UsageError);
}
