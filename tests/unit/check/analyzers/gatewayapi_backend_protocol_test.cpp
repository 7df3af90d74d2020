// GM0061: a GRPCRoute's backend port that Istio does not treat as HTTP/2, by
// the same rules as GM0006.
#include <doctest/doctest.h>

#include "tests/unit/check/analyzers/gatewayapi_snapshot.hpp"

using check_test::gatewayapi_findings;

namespace {
std::string service_port(const std::string& port) {
  return "apiVersion: v1\nkind: Service\nmetadata: {name: greeter, namespace: apps}\nspec:\n  ports: [" + port + "]\n";
}
}  // namespace

TEST_CASE("gatewayapi_backend_protocol: the base passes") { CHECK(gatewayapi_findings("").empty()); }

TEST_CASE("gatewayapi_backend_protocol: GM0061 exactly for ports Istio does not read as HTTP/2") {
  const std::set<std::string> reported{"GM0061 GRPCRoute apps/greeter"};
  // A plain loop variable, not a structured binding: INFO captures it in a
  // lambda, which clang refuses for bindings.
  for (const auto& c : std::vector<std::pair<std::string, bool>>{
           {"{name: api, port: 50051}", false},
           {"{name: http, port: 50051}", false},
           {"{name: api, port: 50051, appProtocol: Kubernetes.io/H2C}", false},
           {"{name: grpc-api, port: 50051, appProtocol: http}", false},
           {"{name: grpc-api, port: 50051}", true},
           {"{name: http2, port: 50051}", true},
           {"{name: api, port: 50051, appProtocol: grpc}", true},
           {"{name: http, port: 50051, appProtocol: kubernetes.io/h2c}", true},
       }) {
    const std::string& port = c.first;
    INFO(port);
    CHECK(gatewayapi_findings(service_port(port)) == (c.second ? std::set<std::string>{} : reported));
  }
}

TEST_CASE("gatewayapi_backend_protocol: a backendRef to a missing Service or port is not this finding") {
  CHECK(gatewayapi_findings(check_test::grpc_route("apps", "[{name: gw}]", "[grpc.example.com]",
                                                   "[{name: nothing, port: 50051}]"))
            .empty());
  CHECK(gatewayapi_findings(service_port("{name: api, port: 9000}")).empty());
}
