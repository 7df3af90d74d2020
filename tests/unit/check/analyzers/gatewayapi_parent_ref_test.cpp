// GM0066: a parentRef whose sectionName or port names no listener
// (istiod: Accepted False, NoMatchingParent).
#include <doctest/doctest.h>

#include "tests/unit/check/analyzers/gatewayapi_snapshot.hpp"

using check_test::gatewayapi_findings;
using check_test::grpc_route;

TEST_CASE("gatewayapi_parent_ref: sectionName and port must name a listener") {
  const std::set<std::string> reported{"GM0066 GRPCRoute apps/greeter"};
  const std::string host = "[grpc.example.com]";
  CHECK(gatewayapi_findings(grpc_route("apps", "[{name: gw, sectionName: nope}]", host)) == reported);
  CHECK(gatewayapi_findings(grpc_route("apps", "[{name: gw, port: 8080}]", host)) == reported);
  // Both must hold of the same listener.
  CHECK(gatewayapi_findings(grpc_route("apps", "[{name: gw, sectionName: h2c, port: 443}]", host)) == reported);
  CHECK(gatewayapi_findings(grpc_route("apps", "[{name: gw, sectionName: h2c}]", host)).empty());
  CHECK(gatewayapi_findings(grpc_route("apps", "[{name: gw, port: 443}]", host)).empty());
  CHECK(gatewayapi_findings(grpc_route("apps", "[{name: gw, sectionName: https, port: 443}]", host)).empty());
}

TEST_CASE("gatewayapi_parent_ref: each parentRef is judged alone") {
  CHECK(gatewayapi_findings(grpc_route("apps", "[{name: gw, sectionName: h2c}, {name: gw, sectionName: nope}]",
                                       "[grpc.example.com]")) ==
        std::set<std::string>{"GM0066 GRPCRoute apps/greeter"});
}

TEST_CASE("gatewayapi_parent_ref: a parent that is not a Gateway API Gateway is not judged") {
  CHECK(gatewayapi_findings(grpc_route("apps", "[{name: gw, kind: Service, group: \"\", port: 9}]",
                                       "[grpc.example.com]"))
            .empty());
  CHECK(gatewayapi_findings(grpc_route("apps", "[{name: elsewhere, sectionName: nope}]", "[grpc.example.com]"))
            .empty());
}
