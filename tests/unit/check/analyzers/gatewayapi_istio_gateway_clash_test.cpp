// GM0076 and GM0077: an Istio Gateway and a Gateway API Gateway serving one
// host on one port of the same pods (tests/oracle/gateway_api_clash_test.cpp
// checks what istiod makes of it against Istio's generator).
#include <doctest/doctest.h>

#include <vector>

#include "tests/unit/check/analyzers/gatewayapi_snapshot.hpp"

namespace {

using grpcmesh::check::Message;

std::vector<Message> clashes(const std::string& extra) {
  auto result = check_test::gatewayapi_result(extra);
  std::vector<Message> out;
  for (const Message& m : result.findings) {
    if (m.code == "GM0076" || m.code == "GM0077") {
      out.push_back(m);
    }
  }
  return out;
}

std::string istio_gateway(const std::string& selector, const std::string& servers,
                          const std::string& created = "2026-01-01T00:00:00Z", const std::string& ns = "apps") {
  return "apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {name: legacy, namespace: " + ns +
         ", creationTimestamp: \"" + created + "\"}\nspec:\n  selector: " + selector + "\n  servers: " + servers + "\n";
}

const std::string kDeployed = "{gateway.networking.k8s.io/gateway-name: gw}";
const std::string kHttp = "[{port: {number: 80, name: http, protocol: HTTP}, hosts: [grpc.example.com]}]";
const std::string kHttps =
    "[{port: {number: 443, name: https, protocol: HTTPS}, hosts: [grpc.example.com], tls: {mode: SIMPLE, "
    "credentialName: grpc-cert}}]";

std::string kube_gateway_created(const std::string& created) {
  return "apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: gw, namespace: apps, "
         "creationTimestamp: \"" +
         created +
         "\"}\nspec:\n  gatewayClassName: istio\n  listeners:\n  - {name: h2c, port: 80, protocol: HTTP, hostname: "
         "grpc.example.com}\n";
}

}  // namespace

TEST_CASE("gatewayapi_istio_gateway_clash: plaintext servers on the pods istiod deploys merge, the older first") {
  const auto found = clashes(istio_gateway(kDeployed, kHttp));
  REQUIRE(found.size() == 1);
  CHECK(found[0].code == "GM0076");
  CHECK(found[0].resource.kind == "Gateway");
  CHECK(found[0].resource.name == "legacy");
  CHECK(found[0].host == "grpc.example.com");
  CHECK(found[0].level == grpcmesh::check::Level::Warning);
  // the base's Gateway API Gateway has no creationTimestamp: "" sorts first
  CHECK(found[0].text ==
        "Istio Gateway apps/legacy and listener h2c (port 80) of Gateway API Gateway apps/gw both serve "
        "grpc.example.com over plaintext on the same pods (the pods istiod deploys, "
        "gateway.networking.k8s.io/gateway-name=gw): istiod merges them into one route table for the host, the "
        "routes bound to the older one (Gateway API Gateway apps/gw) first, so for paths both match the other's "
        "routes are never used (catch-all routes of either come last)");
  const auto newer = clashes(istio_gateway(kDeployed, kHttp) + "---\n" + kube_gateway_created("2026-02-01T00:00:00Z"));
  REQUIRE(newer.size() == 1);
  CHECK(newer[0].text.find("the older one (Istio Gateway apps/legacy)") != std::string::npos);
}

TEST_CASE("gatewayapi_istio_gateway_clash: TLS terminated by both for one host is an error") {
  const auto found = clashes(istio_gateway(kDeployed, kHttps));
  REQUIRE(found.size() == 1);
  CHECK(found[0].code == "GM0077");
  CHECK(found[0].level == grpcmesh::check::Level::Error);
  CHECK(found[0].text.find("listener https of Gateway API Gateway apps/gw both terminate TLS for grpc.example.com on "
                           "port 443") != std::string::npos);
  // with the deployed Service in the files, it names it
  const auto named = clashes(istio_gateway(kDeployed, kHttps) +
                             "---\napiVersion: v1\nkind: Service\nmetadata: {name: gw-istio, namespace: apps}\nspec:\n"
                             "  type: LoadBalancer\n  selector: {gateway.networking.k8s.io/gateway-name: gw}\n"
                             "  ports: [{name: https, port: 443}]\n");
  REQUIRE(named.size() == 1);
  CHECK(named[0].text.find("same pods (Service apps/gw-istio)") != std::string::npos);
}

TEST_CASE("gatewayapi_istio_gateway_clash: a Gateway API Gateway whose address is istio-ingressgateway's Service") {
  const std::string manual =
      "apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: manual, namespace: istio-system}\n"
      "spec:\n  gatewayClassName: istio\n  addresses: [{type: Hostname, value: "
      "istio-ingressgateway.istio-system.svc.cluster.local}]\n  listeners:\n"
      "  - {name: http, port: 80, protocol: HTTP, hostname: grpc.example.com}\n"
      "---\napiVersion: v1\nkind: Service\nmetadata: {name: istio-ingressgateway, namespace: istio-system}\nspec:\n"
      "  type: LoadBalancer\n  selector: {istio: ingressgateway, app: istio-ingressgateway}\n"
      "  ports: [{name: http2, port: 80, targetPort: 8080}]\n";
  const auto found = clashes(manual + "---\n" + istio_gateway("{istio: ingressgateway}", kHttp));
  REQUIRE(found.size() == 1);
  CHECK(found[0].text.find("Gateway API Gateway istio-system/manual") != std::string::npos);
  CHECK(found[0].text.find("same pods (Service istio-system/istio-ingressgateway)") != std::string::npos);
  // the address names a Service of another namespace: istiod applies the Gateway to no pod
  std::string elsewhere = manual;
  elsewhere.replace(elsewhere.find("istio-ingressgateway.istio-system"), 33, "istio-ingressgateway.other-ns.xx");
  CHECK(clashes(elsewhere + "---\n" + istio_gateway("{istio: ingressgateway}", kHttp)).empty());
  // a short name is a Service of the Gateway's namespace (extractGatewayServices)
  std::string short_name = manual;
  short_name.replace(short_name.find("istio-ingressgateway.istio-system.svc.cluster.local"), 51, "istio-ingressgateway");
  CHECK(clashes(short_name + "---\n" + istio_gateway("{istio: ingressgateway}", kHttp)).size() == 1);
}

TEST_CASE("gatewayapi_istio_gateway_clash: other pods, hosts, ports or protocols do not clash") {
  CHECK(clashes(istio_gateway("{istio: ingressgateway}", kHttp)).empty());
  CHECK(clashes(istio_gateway("{gateway.networking.k8s.io/gateway-name: other}", kHttp)).empty());
  CHECK(clashes(istio_gateway(kDeployed, "[{port: {number: 80, name: http, protocol: HTTP}, hosts: [web.example.com]}]"))
            .empty());
  CHECK(clashes(istio_gateway(kDeployed, "[{port: {number: 8080, name: http, protocol: HTTP}, hosts: [grpc.example.com]}]"))
            .empty());
  // a wildcard and an exact host make different virtual hosts and server names
  CHECK(clashes(istio_gateway(kDeployed, "[{port: {number: 80, name: http, protocol: HTTP}, hosts: [\"*.example.com\"]}]"))
            .empty());
  // a namespace prefix on the host is not part of the host
  CHECK(clashes(istio_gateway(kDeployed, "[{port: {number: 80, name: http, protocol: HTTP}, hosts: [apps/grpc.example.com]}]"))
            .size() == 1);
}
