// GM0064: no listener's allowedRoutes admit the route's namespace or kind
// (istiod: Accepted False, NotAllowedByListeners).
#include <doctest/doctest.h>

#include "tests/unit/check/analyzers/gatewayapi_snapshot.hpp"

using check_test::gatewayapi_findings;
using check_test::grpc_route;

namespace {
std::string gateway(const std::string& allowed) {
  return "apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: gw, namespace: apps}\nspec:\n"
         "  gatewayClassName: istio\n  listeners:\n"
         "  - {name: h2c, port: 80, protocol: HTTP, hostname: grpc.example.com, allowedRoutes: " + allowed + "}\n";
}
const std::string kOther = grpc_route("other", "[{name: gw, namespace: apps}]", "[grpc.example.com]");
}  // namespace

TEST_CASE("gatewayapi_allowed_routes: a route of another namespace needs from: All or a Selector") {
  CHECK(gatewayapi_findings(kOther) == std::set<std::string>{"GM0064 GRPCRoute other/greeter"});
  CHECK(gatewayapi_findings(gateway("{namespaces: {from: Same}}") + "---\n" + kOther) ==
        std::set<std::string>{"GM0064 GRPCRoute other/greeter"});
  CHECK(gatewayapi_findings(gateway("{namespaces: {from: All}}") + "---\n" + kOther).empty());
  // A selector needs the namespaces' labels, which check does not judge.
  CHECK(gatewayapi_findings(gateway("{namespaces: {from: Selector, selector: {matchLabels: {team: a}}}}") + "---\n" +
                            kOther)
            .empty());
}

TEST_CASE("gatewayapi_allowed_routes: allowedRoutes kinds, or the protocol's, must include the route's kind") {
  CHECK(gatewayapi_findings(gateway("{kinds: [{kind: HTTPRoute}]}")) ==
        std::set<std::string>{"GM0064 GRPCRoute apps/greeter"});
  CHECK(gatewayapi_findings(gateway("{kinds: [{kind: GRPCRoute}]}")).empty());
  const std::string tcp =
      "apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: gw, namespace: apps}\nspec:\n"
      "  gatewayClassName: istio\n  listeners:\n  - {name: h2c, port: 80, protocol: TCP}\n";
  CHECK(gatewayapi_findings(tcp) == std::set<std::string>{"GM0064 GRPCRoute apps/greeter"});
}

TEST_CASE("gatewayapi_allowed_routes: hostnames are judged first, as istiod does") {
  // No listener matches the hostname: that is the reason istiod gives (GM0065).
  CHECK(gatewayapi_findings(grpc_route("other", "[{name: gw, namespace: apps}]", "[other.example.org]")) ==
        std::set<std::string>{"GM0065 GRPCRoute other/greeter"});
}
