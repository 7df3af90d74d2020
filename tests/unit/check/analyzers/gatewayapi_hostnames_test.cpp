// GM0065: the route's hostnames intersect no listener's hostname (istiod:
// Accepted False, NoMatchingListenerHostname).
#include <doctest/doctest.h>

#include "core/check/gatewayapi.hpp"
#include "tests/unit/check/analyzers/gatewayapi_snapshot.hpp"

using check_test::gatewayapi_findings;
using check_test::grpc_route;
using grpcmesh::check::gatewayapi::hostnames_intersect;

TEST_CASE("gatewayapi_hostnames: the route's hostnames must intersect a listener's") {
  const std::set<std::string> reported{"GM0065 GRPCRoute apps/greeter"};
  CHECK(gatewayapi_findings(grpc_route("apps", "[{name: gw}]", "[other.example.com]")) == reported);
  CHECK(gatewayapi_findings(grpc_route("apps", "[{name: gw}]", "[other.example.com, grpc.example.com]")).empty());
  CHECK(gatewayapi_findings(grpc_route("apps", "[{name: gw}]", "[\"*.example.com\"]")).empty());
  CHECK(gatewayapi_findings(grpc_route("apps", "[{name: gw}]", "[]")).empty());
  // The listener a sectionName picks is the only one judged.
  CHECK(gatewayapi_findings(grpc_route("apps", "[{name: gw, sectionName: h2c}]", "[other.example.com]")) == reported);
}

TEST_CASE("gatewayapi_hostnames: wildcards cover one label or more, empty is every hostname") {
  CHECK(hostnames_intersect("", "a.example.com"));
  CHECK(hostnames_intersect("*.example.com", "a.example.com"));
  CHECK(hostnames_intersect("*.example.com", "a.b.example.com"));
  CHECK(hostnames_intersect("a.example.com", "*.example.com"));
  CHECK(hostnames_intersect("*.example.com", "*.b.example.com"));
  CHECK_FALSE(hostnames_intersect("*.example.com", "example.com"));
  CHECK_FALSE(hostnames_intersect("a.example.com", "b.example.com"));
  CHECK_FALSE(hostnames_intersect("*.example.com", "a.example.org"));
}
