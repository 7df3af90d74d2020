#include <doctest/doctest.h>

#include "core/manifest/gateway.hpp"
#include "core/manifest/service_port.hpp"
#include "core/manifest/tls_secret.hpp"
#include "core/manifest/virtual_service.hpp"
#include "core/util/error.hpp"
#include "core/util/yaml.hpp"
#include "tests/unit/support/golden.hpp"

using namespace grpcmesh::manifest;
using grpcmesh::testing::check_golden;
using grpcmesh::yaml::dump;

namespace {

GatewayOptions base_gateway() {
  GatewayOptions o;
  o.name = "grpc-example-com";
  o.namespace_name = "istio-system";
  o.host = "grpc.example.com";
  o.selector = {{"istio", "ingressgateway"}};
  return o;
}

}  // namespace

TEST_CASE("manifest: gateway with an HTTPS server (SIMPLE)") {
  GatewayOptions o = base_gateway();
  o.https = HttpsServer{443, "grpc-example-com-tls", false};
  check_golden("manifest/gateway-https.yaml", dump(gateway(o)));
}

TEST_CASE("manifest: gateway with MUTUAL TLS and a plaintext h2c server at v1beta1") {
  GatewayOptions o = base_gateway();
  o.api_version = "networking.istio.io/v1beta1";
  o.https = HttpsServer{8443, "custom-cred", true};
  o.plaintext = PlaintextServer{8080};
  check_golden("manifest/gateway-mutual-plaintext.yaml", dump(gateway(o)));
}

TEST_CASE("manifest: an h2c-only gateway server is HTTP2 with no tls block") {
  GatewayOptions o = base_gateway();
  o.plaintext = PlaintextServer{80};
  nlohmann::json g = gateway(o);
  REQUIRE(g["spec"]["servers"].size() == 1);
  CHECK(g["spec"]["servers"][0]["port"]["protocol"] == "HTTP2");
  CHECK_FALSE(g["spec"]["servers"][0].contains("tls"));
  check_golden("manifest/gateway-plaintext.yaml", dump(g));
}

TEST_CASE("manifest: kubernetes.io/tls secret, with ca.crt for MUTUAL") {
  TlsSecretOptions o{"grpc-example-com-tls", "istio-system", "CERT\n", "KEY\n", ""};
  check_golden("manifest/tls-secret.yaml", dump(tls_secret(o)));
  o.ca_pem = "CA\n";
  check_golden("manifest/tls-secret-ca.yaml", dump(tls_secret(o)));
}

TEST_CASE("manifest: base64 pads like RFC 4648") {
  CHECK(base64("") == "");
  CHECK(base64("f") == "Zg==");
  CHECK(base64("fo") == "Zm8=");
  CHECK(base64("foo") == "Zm9v");
  CHECK(base64("foob") == "Zm9vYg==");
  CHECK(base64(std::string("\xff\x00\x10", 3)) == "/wAQ");
}

TEST_CASE("manifest: service port patch carries only the keys and the owned field") {
  check_golden("manifest/service-port-appprotocol.yaml",
               dump(service_port({"greeter", "apps", 50051, "TCP", "grpc", ""})));
  check_golden("manifest/service-port-rename.yaml", dump(service_port({"greeter", "apps", 50051, "TCP", "", "grpc-api"})));
}

TEST_CASE("manifest: virtual service with per-service prefixes, cross-namespace FQDNs and a catch-all last") {
  VirtualServiceOptions o;
  o.name = "grpc-example-com";
  o.namespace_name = "istio-system";
  o.host = "grpc.example.com";
  o.gateways = {"istio-system/grpc-example-com"};
  o.routes = {{"/helloworld.Greeter/", "greeter", "apps", 50051},
              {"/test.v1.Echo/", "echo", "other", 9000},
              {"", "fallback", "apps", 8080}};
  check_golden("manifest/virtual-service.yaml", dump(virtual_service(o)));
}

TEST_CASE("manifest: base64 decoding round-trips and rejects garbage") {
  for (std::string s : {"", "f", "fo", "foo", "foob", "-----BEGIN CERTIFICATE-----\n\xff\x01"}) {
    CHECK(base64_decode(base64(s)) == s);
  }
  CHECK_THROWS_AS(base64_decode("a*b"), grpcmesh::Error);
}
