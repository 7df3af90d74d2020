// GM0067: a Terminate listener whose Secret does not exist or holds nothing
// Istio can parse (istiod then builds no filter chain for the listener:
// tests/oracle/check_agreement_gateway_api_test.cpp); and the certificate
// checks of Istio Gateways (GM0025 to GM0029) on a usable one.
#include <doctest/doctest.h>

#include <fstream>

#include "tests/unit/check/analyzers/gatewayapi_snapshot.hpp"

namespace {

// The keys of the findings with codes in [from, to).
std::set<std::string> findings(const std::string& extra, const std::string& from, const std::string& to) {
  auto result = check_test::gatewayapi_result(extra);
  std::set<std::string> out;
  for (const std::string& key : check_test::finding_keys(result)) {
    if (key >= from && key < to) {
      out.insert(key);
    }
  }
  return out;
}

// The certificate and key (Secret grpc-cert of istio-system) of a check
// fixture, as Secret `name` of namespace `ns`.
std::string fixture_secret(const std::string& fixture, const std::string& name = "grpc-cert",
                           const std::string& ns = "apps") {
  std::ifstream f(check_test::fixture_root() / fixture / "secret.yaml");
  std::stringstream text;
  text << f.rdbuf();
  std::string s = text.str();
  auto replace = [&](const std::string& from, const std::string& to) {
    auto at = s.find(from);
    REQUIRE(at != std::string::npos);
    s.replace(at, from.size(), to);
  };
  replace("\"namespace\": \"istio-system\"", "\"namespace\": \"" + ns + "\"");
  replace("\"name\": \"grpc-cert\"", "\"name\": \"" + name + "\"");
  return s;
}

}  // namespace

TEST_CASE("gatewayapi_listener_certificate: a usable certificate for the listener's hostname passes") {
  CHECK(findings(fixture_secret("ok-appprotocol"), "GM0022", "GM0070").empty());
}

TEST_CASE("gatewayapi_listener_certificate: the listener's Secret must exist") {
  CHECK(findings(fixture_secret("ok-appprotocol", "other-cert"), "GM0067", "GM0068") ==
        std::set<std::string>{"GM0067 Gateway apps/gw"});
  // In another namespace: the listener's Secret is looked up in the Gateway's.
  CHECK(findings(fixture_secret("ok-appprotocol", "grpc-cert", "istio-system"), "GM0067", "GM0068") ==
        std::set<std::string>{"GM0067 Gateway apps/gw"});
}

TEST_CASE("gatewayapi_listener_certificate: a Secret Istio cannot parse") {
  const std::string garbage =
      "apiVersion: v1\nkind: Secret\nmetadata: {name: grpc-cert, namespace: apps}\ntype: kubernetes.io/tls\n"
      "stringData: {tls.crt: not a certificate, tls.key: not a key}\n";
  CHECK(findings(garbage, "GM0022", "GM0070") == std::set<std::string>{"GM0067 Gateway apps/gw"});
}

TEST_CASE("gatewayapi_listener_certificate: dates, hostname and key as for Istio Gateways") {
  CHECK(findings(fixture_secret("gm0025-certificate-expired"), "GM0022", "GM0070") ==
        std::set<std::string>{"GM0025 Gateway apps/gw"});
  CHECK(findings(fixture_secret("gm0028-certificate-wrong-host"), "GM0022", "GM0070") ==
        std::set<std::string>{"GM0028 Gateway apps/gw"});
  CHECK(findings(fixture_secret("gm0029-certificate-key-mismatch"), "GM0022", "GM0070") ==
        std::set<std::string>{"GM0029 Gateway apps/gw"});
}

TEST_CASE("gatewayapi_listener_certificate: a Secret of another namespace without a grant is GM0062's alone") {
  const std::string gateway = R"(
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw, namespace: apps}
spec:
  gatewayClassName: istio
  listeners:
  - name: https
    port: 443
    protocol: HTTPS
    hostname: grpc.example.com
    tls: {mode: Terminate, certificateRefs: [{name: grpc-cert, namespace: certs}]}
---
)";
  CHECK(findings(gateway + fixture_secret("ok-appprotocol", "grpc-cert", "certs"), "GM0062", "GM0068") ==
        std::set<std::string>{"GM0062 Gateway apps/gw"});
}
