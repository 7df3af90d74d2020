// GM0063: a route's backendRefs to a Service of another namespace without a
// ReferenceGrant there (istiod: ResolvedRefs False, RefNotPermitted).
#include <doctest/doctest.h>

#include "tests/unit/check/analyzers/gatewayapi_snapshot.hpp"

using check_test::gatewayapi_findings;
using check_test::grpc_route;

namespace {
const std::string kRemote = grpc_route("apps", "[{name: gw}]", "[grpc.example.com]",
                                       "[{name: greeter, namespace: backend, port: 50051}]") +
                            "---\napiVersion: v1\nkind: Service\nmetadata: {name: greeter, namespace: backend}\n"
                            "spec:\n  ports: [{name: grpc, port: 50051}]\n";

std::string grant(const std::string& from_kind) {
  return "---\napiVersion: gateway.networking.k8s.io/v1beta1\nkind: ReferenceGrant\nmetadata: {name: g, namespace: backend}\n"
         "spec:\n  from: [{group: gateway.networking.k8s.io, kind: " + from_kind +
         ", namespace: apps}]\n  to: [{group: \"\", kind: Service}]\n";
}
}  // namespace

TEST_CASE("gatewayapi_backend_grant: a Service of another namespace needs a ReferenceGrant there") {
  CHECK(gatewayapi_findings(kRemote) == std::set<std::string>{"GM0063 GRPCRoute apps/greeter"});
  CHECK(gatewayapi_findings(kRemote + grant("GRPCRoute")).empty());
  // A grant to HTTPRoutes does not cover a GRPCRoute.
  CHECK(gatewayapi_findings(kRemote + grant("HTTPRoute")) == std::set<std::string>{"GM0063 GRPCRoute apps/greeter"});
}

TEST_CASE("gatewayapi_backend_grant: HTTPRoutes too") {
  const std::string route = R"(
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: preflight, namespace: apps}
spec:
  parentRefs: [{name: gw}]
  hostnames: [grpc.example.com]
  rules:
  - backendRefs: [{name: web, namespace: backend, port: 8080}]
)";
  CHECK(gatewayapi_findings(route) == std::set<std::string>{"GM0063 HTTPRoute apps/preflight"});
  CHECK(gatewayapi_findings(route + grant("HTTPRoute")).empty());
}
