#include "core/mesh/host_config.hpp"

#include <doctest/doctest.h>

#include "core/util/yaml.hpp"

using namespace grpcmesh::mesh;
using nlohmann::json;

namespace {

std::vector<json> docs(const std::string& text) {
  std::vector<json> out;
  for (auto& d : grpcmesh::yaml::parse_all(text)) {
    out.push_back(d.value);
  }
  return out;
}

const char* kGateways = R"(
metadata: {name: grpc-example-com, namespace: istio-system, labels: {app.kubernetes.io/managed-by: kubectl-grpcmesh}}
spec:
  selector: {istio: ingressgateway}
  servers:
  - hosts: [grpc.example.com]
    port: {name: https-443, number: 443, protocol: HTTPS}
    tls: {mode: SIMPLE, credentialName: grpc-example-com-tls}
  - hosts: [grpc.example.com]
    port: {name: http2-80, number: 80, protocol: HTTP2}
---
metadata: {name: wildcard, namespace: web}
spec:
  selector: {istio: ingressgateway}
  servers:
  - hosts: ["apps/*.example.com"]
    port: {name: http, number: 80, protocol: HTTP}
  - hosts: [other.org]
    port: {name: http, number: 8080, protocol: HTTP}
)";

}  // namespace

TEST_CASE("host config: Istio host matching (namespace prefix, wildcards of any depth)") {
  CHECK(istio_host_covers("grpc.example.com", "grpc.example.com"));
  CHECK(istio_host_covers("*", "grpc.example.com"));
  CHECK(istio_host_covers("ns/*.example.com", "a.b.example.com"));
  CHECK(istio_host_covers("*/GRPC.example.com", "grpc.example.com"));
  CHECK(istio_host_covers("*.example.com", "*.example.com"));
  CHECK(istio_host_covers("*.com", "*.example.com"));
  CHECK_FALSE(istio_host_covers("*.example.com", "example.com"));
  CHECK_FALSE(istio_host_covers("api.example.com", "grpc.example.com"));
}

TEST_CASE("host config: servers serving a host across gateways") {
  auto servers = servers_for_host(docs(kGateways), "grpc.example.com");
  REQUIRE(servers.size() == 3);
  CHECK(servers[0].ref() == "istio-system/grpc-example-com");
  CHECK(servers[0].protocol == "HTTPS");
  CHECK(servers[0].tls_mode == "SIMPLE");
  CHECK(servers[0].credential_name == "grpc-example-com-tls");
  CHECK(servers[0].managed_by_us);
  CHECK(servers[0].selector == Labels{{"istio", "ingressgateway"}});
  CHECK(servers[1].index == 1);
  CHECK(servers[1].tls_mode.empty());
  CHECK(servers[2].ref() == "web/wildcard");
  CHECK_FALSE(servers[2].managed_by_us);
  CHECK(servers_for_host(docs(kGateways), "other.org").size() == 1);
}

TEST_CASE("host config: the route table lists every VirtualService for the host in order") {
  auto vss = docs(R"(
metadata: {name: grpc-example-com, namespace: istio-system}
spec:
  hosts: [grpc.example.com]
  http:
  - match: [{uri: {prefix: /helloworld.Greeter/}}]
    route: [{destination: {host: greeter.apps.svc.cluster.local, port: {number: 50051}}}]
  - route: [{destination: {host: fallback.apps.svc.cluster.local, port: {number: 8080}}}]
---
metadata: {name: split, namespace: apps}
spec:
  hosts: ["*.example.com"]
  http:
  - match: [{uri: {exact: /x.Y/Z}, headers: {a: {exact: b}}}]
    route:
    - {destination: {host: a}, weight: 90}
    - {destination: {host: b}, weight: 10}
---
metadata: {name: unrelated, namespace: apps}
spec:
  hosts: [api.other.org]
  http: [{route: [{destination: {host: x}}]}]
)");
  auto mine = virtual_services_for_host(vss, "grpc.example.com");
  REQUIRE(mine.size() == 2);
  CHECK(format_route_table(route_table(mine)) ==
        "MATCH                          DESTINATION                            VIRTUALSERVICE\n"
        "/helloworld.Greeter/           greeter.apps.svc.cluster.local:50051   istio-system/grpc-example-com\n"
        "*                              fallback.apps.svc.cluster.local:8080   istio-system/grpc-example-com\n"
        "exact \"/x.Y/Z\" (+conditions)   a (90%), b (10%)                       apps/split\n");
}
