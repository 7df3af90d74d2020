// GM0068: a route's backendRef to a Service, or a Service port, that does not
// exist (Istio's generator: no cluster; tests/oracle/check_agreement_gateway_api_test.cpp).
#include <doctest/doctest.h>

#include "tests/unit/check/analyzers/gatewayapi_snapshot.hpp"

namespace {

std::set<std::string> gm0068(const std::string& extra) {
  auto result = check_test::gatewayapi_result(extra);
  std::set<std::string> out;
  for (const std::string& key : check_test::finding_keys(result)) {
    if (key.starts_with("GM0068")) {
      out.insert(key);
    }
  }
  return out;
}

}  // namespace

TEST_CASE("gatewayapi_backend_found: the Service and port exist") {
  CHECK(gm0068("").empty());
}

TEST_CASE("gatewayapi_backend_found: a port the Service does not have") {
  const std::string route =
      check_test::grpc_route("apps", "[{name: gw}]", "[grpc.example.com]", "[{name: greeter, port: 50052}]");
  CHECK(gm0068(route) == std::set<std::string>{"GM0068 GRPCRoute apps/greeter"});
  // The message lists the ports the Service does have.
  auto result = check_test::gatewayapi_result(route);
  bool listed = false;
  for (const auto& m : result.findings) {
    listed = listed || (m.code == "GM0068" && m.text.find("(its ports: 50051)") != std::string::npos);
  }
  CHECK(listed);
}

TEST_CASE("gatewayapi_backend_found: a Service that does not exist, for HTTPRoutes too") {
  const std::string route = R"(
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: preflight, namespace: apps}
spec:
  parentRefs: [{name: gw}]
  hostnames: [grpc.example.com]
  rules:
  - backendRefs: [{name: web, port: 8080}]
)";
  CHECK(gm0068(route) == std::set<std::string>{"GM0068 HTTPRoute apps/preflight"});
}

TEST_CASE("gatewayapi_backend_found: another namespace without a grant is GM0063's alone") {
  CHECK(gm0068(check_test::grpc_route("apps", "[{name: gw}]", "[grpc.example.com]",
                                      "[{name: greeter, namespace: backend, port: 50051}]"))
            .empty());
}
