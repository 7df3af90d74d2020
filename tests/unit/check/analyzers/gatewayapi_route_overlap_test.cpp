// GM0075: a GRPCRoute and an HTTPRoute of one listener and host taking the
// same gRPC paths; the winner is the one istiod's merged route table puts
// first (tests/oracle/gateway_api_clash_test.cpp checks the same cases
// against Istio's generator).
#include <doctest/doctest.h>

#include <vector>

#include "tests/unit/check/analyzers/gatewayapi_snapshot.hpp"

namespace {

using grpcmesh::check::Message;

// The base (GRPCRoute greeter: {service: helloworld.Greeter}) with `extra`,
// and the GM0075 findings.
std::vector<Message> overlaps(const std::string& extra) {
  auto result = check_test::gatewayapi_result(extra);
  std::vector<Message> out;
  for (const Message& m : result.findings) {
    if (m.code == "GM0075") {
      out.push_back(m);
    }
  }
  return out;
}

std::string http_route(const std::string& match, const std::string& created = "2026-01-01T00:00:00Z",
                       const std::string& hostnames = "[grpc.example.com]", const std::string& parent = "[{name: gw}]") {
  return "apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: web, namespace: apps, "
         "creationTimestamp: \"" +
         created + "\"}\nspec:\n  parentRefs: " + parent + "\n  hostnames: " + hostnames + "\n  rules:\n  - " +
         match + "\n    backendRefs: [{name: web, port: 50051}]\n";
}

std::string grpc_route(const std::string& match, const std::string& created = "2026-01-02T00:00:00Z") {
  return "apiVersion: gateway.networking.k8s.io/v1\nkind: GRPCRoute\nmetadata: {name: greeter, namespace: apps, "
         "creationTimestamp: \"" +
         created + "\"}\nspec:\n  parentRefs: [{name: gw}]\n  hostnames: [grpc.example.com]\n  rules:\n  - " + match +
         "\n    backendRefs: [{name: greeter, port: 50051}]\n";
}

const std::string kExact = "matches: [{path: {type: Exact, value: /helloworld.Greeter/SayHello}}]";
const std::string kPrefix = "matches: [{path: {type: PathPrefix, value: /helloworld.Greeter}}]";
const std::string kRoot = "matches: [{path: {type: PathPrefix, value: /}}]";
const std::string kService = "matches: [{method: {service: helloworld.Greeter}}]";
const std::string kMethod = "matches: [{method: {service: helloworld.Greeter, method: SayHello}}]";

}  // namespace

TEST_CASE("gatewayapi_route_overlap: an exact HTTPRoute path takes its method from a GRPCRoute service match") {
  const auto found = overlaps(http_route(kExact));
  REQUIRE(found.size() == 1);
  CHECK(found[0].resource.kind == "GRPCRoute");  // reported on the shadowed route
  CHECK(found[0].host == "grpc.example.com");
  CHECK(found[0].level == grpcmesh::check::Level::Warning);
  CHECK(found[0].text ==
        "calls for grpc.example.com to /helloworld.Greeter/SayHello go to HTTPRoute apps/web rule 0, not to "
        "GRPCRoute apps/greeter rule 0: istiod merges the GRPCRoutes and HTTPRoutes of one host on listener h2c, "
        "https of Gateway apps/gw into one route table, and an exact path sorts before a path prefix");
}

TEST_CASE("gatewayapi_route_overlap: a GRPCRoute service match outranks an HTTPRoute prefix of the same service") {
  // /helloworld.Greeter/ is longer than /helloworld.Greeter, whatever the age
  for (const std::string& created : {"2025-01-01T00:00:00Z", "2027-01-01T00:00:00Z"}) {
    const auto found = overlaps(http_route(kPrefix, created));
    REQUIRE(found.size() == 1);
    CHECK(found[0].resource.kind == "HTTPRoute");
    CHECK(found[0].text.find("to /helloworld.Greeter/* go to GRPCRoute apps/greeter rule 0, not to HTTPRoute "
                             "apps/web rule 0") != std::string::npos);
    CHECK(found[0].text.find("the longer match (/helloworld.Greeter/) sorts first") != std::string::npos);
  }
}

TEST_CASE("gatewayapi_route_overlap: equal matches go to the older route") {
  auto older_http = overlaps(grpc_route(kMethod, "2026-01-02T00:00:00Z") + "\n---\n" + http_route(kExact, "2026-01-01T00:00:00Z"));
  REQUIRE(older_http.size() == 1);
  CHECK(older_http[0].resource.kind == "GRPCRoute");
  CHECK(older_http[0].text.find("the older route keeps its place first (HTTPRoute apps/web") != std::string::npos);
  auto older_grpc = overlaps(grpc_route(kMethod, "2026-01-01T00:00:00Z") + "\n---\n" + http_route(kExact, "2026-01-02T00:00:00Z"));
  REQUIRE(older_grpc.size() == 1);
  CHECK(older_grpc[0].resource.kind == "HTTPRoute");
}

TEST_CASE("gatewayapi_route_overlap: a catch-all HTTPRoute takes only what no GRPCRoute match takes first") {
  // a prefix / sorts after the service prefix: the GRPCRoute keeps its
  // paths, which is what a catch-all next to it is for: nothing to report
  CHECK(overlaps(http_route(kRoot)).empty());
  // nor when a GRPCRoute rule without matches loses a method to an HTTPRoute's exact path
  CHECK(overlaps(grpc_route("filters: []") + "\n---\n" + http_route(kExact)).empty());
  // but before a regular expression (a method without its service), which it drops
  const auto regex = overlaps(grpc_route("matches: [{method: {method: SayHello}}]") + "\n---\n" + http_route(kRoot));
  REQUIRE(regex.size() == 1);
  CHECK(regex[0].resource.kind == "GRPCRoute");
  CHECK(regex[0].text.find("to the paths matching /[^/]+/SayHello go to HTTPRoute apps/web rule 0") != std::string::npos);
  CHECK(regex[0].text.find("the catch-all rule 0 of HTTPRoute apps/web ends the table") != std::string::npos);
  // an HTTPRoute rule without matches is PathPrefix / (the API's default)
  const auto defaulted = overlaps(grpc_route("matches: [{method: {method: SayHello}}]") + "\n---\n" + http_route("filters: []"));
  REQUIRE(defaulted.size() == 1);
  CHECK(defaulted[0].resource.kind == "GRPCRoute");
}

TEST_CASE("gatewayapi_route_overlap: routes that share no path, listener or hostname are left alone") {
  CHECK(overlaps(http_route("matches: [{path: {type: PathPrefix, value: /helloworld}}]")).empty());
  CHECK(overlaps(http_route("matches: [{path: {type: Exact, value: /other.Svc/Get}}]")).empty());
  CHECK(overlaps(http_route(kExact, "2026-01-01T00:00:00Z", "[other.example.com]")).empty());
  CHECK(overlaps(http_route(kExact, "2026-01-01T00:00:00Z", "[grpc.example.com]", "[{name: other}]")).empty());
  // a header condition on the HTTPRoute: both serve some calls
  CHECK(overlaps(http_route("matches: [{path: {type: Exact, value: /helloworld.Greeter/SayHello}, headers: [{name: "
                            "x-web, value: \"1\"}]}]"))
            .empty());
  // only the listener both attach to is compared: an HTTPRoute on h2c only still clashes there
  const auto h2c = overlaps(http_route(kExact, "2026-01-01T00:00:00Z", "[grpc.example.com]", "[{name: gw, sectionName: h2c}]"));
  REQUIRE(h2c.size() == 1);
  CHECK(h2c[0].text.find("on listener h2c of Gateway apps/gw") != std::string::npos);
}

TEST_CASE("gatewayapi_route_overlap: paths an earlier rule already takes are not blamed on a later one") {
  // The GRPCRoute (older) matches SayHello exactly, then the whole service;
  // the HTTPRoute's exact SayHello comes after the GRPCRoute's, so it is
  // shadowed; the service prefix, which comes after both, is not.
  const auto found = overlaps(
      grpc_route("matches: [{method: {service: helloworld.Greeter, method: SayHello}}, {method: {service: "
                 "helloworld.Greeter}}]",
                 "2026-01-01T00:00:00Z") +
      "\n---\n" + http_route(kExact, "2026-01-02T00:00:00Z"));
  REQUIRE(found.size() == 1);
  CHECK(found[0].resource.kind == "HTTPRoute");
  CHECK(found[0].text.find("to /helloworld.Greeter/SayHello go to GRPCRoute apps/greeter rule 0, not to HTTPRoute "
                           "apps/web rule 0") != std::string::npos);
}
