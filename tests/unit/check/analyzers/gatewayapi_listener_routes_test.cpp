// GM0069: a listener that takes a host the Gateway's routes serve on other
// listeners only (Istio's generator: no route on that port;
// tests/oracle/check_agreement_gateway_api_test.cpp).
#include <doctest/doctest.h>

#include "tests/unit/check/analyzers/gatewayapi_snapshot.hpp"

using check_test::grpc_route;

namespace {

std::set<std::string> gm0069(const std::string& extra) {
  auto result = check_test::gatewayapi_result(extra);
  std::set<std::string> out;
  for (const auto& f : result.findings) {
    if (f.code == "GM0069") {
      out.insert(f.host + " " + f.text.substr(0, f.text.find(' ', 9)));
    }
  }
  return out;
}

}  // namespace

TEST_CASE("gatewayapi_listener_routes: a route on every listener of its host") {
  CHECK(gm0069("").empty());
}

TEST_CASE("gatewayapi_listener_routes: sectionName or port pins the route to one listener") {
  CHECK(gm0069(grpc_route("apps", "[{name: gw, sectionName: https}]", "[grpc.example.com]")) ==
        std::set<std::string>{"grpc.example.com listener apps/gw/h2c"});
  CHECK(gm0069(grpc_route("apps", "[{name: gw, port: 80}]", "[grpc.example.com]")) ==
        std::set<std::string>{"grpc.example.com listener apps/gw/https"});
  // Both listeners named: nothing missing.
  CHECK(gm0069(grpc_route("apps", "[{name: gw, sectionName: https}, {name: gw, sectionName: h2c}]", "[grpc.example.com]"))
            .empty());
}

TEST_CASE("gatewayapi_listener_routes: a host no listener routes is left to GM0064 to GM0066") {
  CHECK(gm0069(grpc_route("apps", "[{name: gw, sectionName: grpc}]", "[grpc.example.com]")).empty());
}

TEST_CASE("gatewayapi_listener_routes: the listener naming the host takes it on its port") {
  const std::string gateway = R"(
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw, namespace: apps}
spec:
  gatewayClassName: istio
  listeners:
  - {name: h2c, port: 80, protocol: HTTP, hostname: grpc.example.com}
  - {name: any, port: 80, protocol: HTTP, hostname: "*.example.com"}
---
)";
  // The wildcard listener gets no route and is not judged: grpc.example.com goes to h2c.
  CHECK(gm0069(gateway + grpc_route("apps", "[{name: gw, sectionName: h2c}]", "[grpc.example.com]")).empty());
  // A route on the wildcard listener does not serve the host h2c names.
  CHECK(gm0069(gateway + grpc_route("apps", "[{name: gw, sectionName: any}]", "[grpc.example.com]")) ==
        std::set<std::string>{"grpc.example.com listener apps/gw/h2c"});
}
