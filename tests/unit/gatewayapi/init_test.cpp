#include "core/gatewayapi/init.hpp"

#include <doctest/doctest.h>

#include "core/util/error.hpp"
#include "core/util/yaml.hpp"
#include "tests/unit/mesh/fixtures.hpp"

using namespace grpcmesh::gatewayapi;
using grpcmesh::mesh::Change;
using grpcmesh::mesh::ChangeSet;
using grpcmesh::testing::error_of;

namespace {

InitOptions host(const std::string& h) {
  InitOptions o;
  o.host = h;
  o.namespace_name = "istio-ingress";
  return o;
}

InitFacts live() {
  InitFacts f;
  f.known = true;
  f.credential_exists = true;
  return f;
}

nlohmann::json yaml(const std::string& text) { return grpcmesh::yaml::parse(text); }

nlohmann::json shared_gateway() {
  return yaml(R"(
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: shared, namespace: infra}
spec:
  gatewayClassName: istio
  listeners:
  - {name: web, hostname: www.example.com, port: 443, protocol: HTTPS,
     tls: {mode: Terminate, certificateRefs: [{name: www}]}}
  - {name: plain, port: 80, protocol: HTTP}
)");
}

}  // namespace

TEST_CASE("gateway-api init: the host's own Gateway with an HTTPS listener that terminates TLS") {
  ChangeSet cs = plan_init(host("grpc.example.com"), live());
  REQUIRE(cs.changes.size() == 1);
  CHECK(cs.changes[0].object == yaml(R"(
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata:
  name: grpc-example-com
  namespace: istio-ingress
  labels: {app.kubernetes.io/managed-by: kubectl-grpcmesh}
spec:
  gatewayClassName: istio
  listeners:
  - name: grpc-example-com-https
    hostname: grpc.example.com
    port: 443
    protocol: HTTPS
    tls:
      mode: Terminate
      certificateRefs: [{group: "", kind: Secret, name: grpc-example-com-tls}]
    allowedRoutes: {namespaces: {from: Same}}
)"));
  CHECK(cs.warnings.empty());
  CHECK(cs.notes[0] ==
        "Gateway istio-ingress/grpc-example-com serves grpc.example.com: HTTPS on port 443 (listener "
        "grpc-example-com-https, tls Terminate, certificateRefs Secret istio-ingress/grpc-example-com-tls), "
        "gatewayClassName istio");
}

TEST_CASE("gateway-api init: --plaintext adds an HTTP (h2c) listener and keeps the HTTPS one") {
  InitFacts f = live();
  f.gateway = plan_init(host("grpc.example.com"), live()).changes[0].object;
  InitOptions o = host("grpc.example.com");
  o.plaintext = true;
  o.gateway_class = "other";
  ChangeSet cs = plan_init(o, f);
  const auto listeners = listeners_of(cs.changes[0].object);
  REQUIRE(listeners.size() == 2);
  CHECK(listeners[0].protocol == "HTTPS");
  CHECK(listeners[1].name == "grpc-example-com-h2c");
  CHECK(listeners[1].protocol == "HTTP");
  CHECK(listeners[1].port == 80);
  CHECK_FALSE(cs.changes[0].object["spec"]["listeners"][1].contains("tls"));
  CHECK(cs.changes[0].object["spec"]["gatewayClassName"] == "other");
  // A re-run keeps the class the Gateway has.
  f.gateway = cs.changes[0].object;
  CHECK(plan_init(host("grpc.example.com"), f).changes[0].object["spec"]["gatewayClassName"] == "other");
}

TEST_CASE("gateway-api init: --gateway adds only the host's listener to a shared Gateway") {
  InitOptions o = host("grpc.example.com");
  o.gateway = "infra/shared";
  InitFacts f = live();
  f.gateway = shared_gateway();
  ChangeSet cs = plan_init(o, f);
  const nlohmann::json& g = cs.changes.at(0).object;
  // Only the host's listener: server-side apply merges it by name and keeps the others' listeners.
  CHECK(g["spec"] == yaml(R"(
listeners:
- name: grpc-example-com-https
  hostname: grpc.example.com
  port: 443
  protocol: HTTPS
  tls: {mode: Terminate, certificateRefs: [{group: "", kind: Secret, name: grpc-example-com-tls}]}
  allowedRoutes: {namespaces: {from: Same}}
)"));
  CHECK_FALSE(g["metadata"].contains("labels"));  // not ours
  f.gateway.reset();
  CHECK(error_of([&] { plan_init(o, f); }) ==
        "Gateway infra/shared not found; create it first, or drop --gateway and init creates a Gateway for "
        "grpc.example.com");
}

TEST_CASE("gateway-api init: another host's listeners on a shared Gateway are applied again, or they would go") {
  // One field manager writes every host's listeners: an apply that leaves one
  // out makes server-side apply drop it.
  InitOptions a = host("a.example.com");
  a.gateway = "infra/shared";
  InitFacts f = live();
  f.gateway = shared_gateway();
  f.gateway->at("spec")["listeners"].push_back(listener_json(
      Listener{listener_name("b.example.com", "HTTP"), "b.example.com", 80, "HTTP", "", ""}));
  const auto names = [](const ChangeSet& cs) {
    std::vector<std::string> out;
    for (const auto& l : listeners_of(cs.changes.at(0).object)) {
      out.push_back(l.name);
    }
    return out;
  };
  CHECK(names(plan_init(a, f)) == std::vector<std::string>{"b-example-com-h2c", "a-example-com-https"});
  // Removing a host keeps the others' and the Gateway.
  f.gateway = plan_init(a, f).changes[0].object;
  f.gateway->at("spec")["listeners"].push_back(shared_gateway()["spec"]["listeners"][0]);
  a.remove = true;
  ChangeSet removed = plan_init(a, f);
  CHECK(removed.changes.at(0).kind == Change::Kind::Apply);
  CHECK(names(removed) == std::vector<std::string>{"b-example-com-h2c"});
  CHECK(removed.notes[0] == "Gateway infra/shared no longer has listeners for a.example.com");
}

TEST_CASE("gateway-api init: a port must be free on the Gateway or already the host's") {
  InitOptions o = host("grpc.example.com");
  o.gateway = "infra/shared";
  o.plaintext = true;
  o.plaintext_port = 443;
  InitFacts f = live();
  f.gateway = shared_gateway();
  CHECK(error_of([&] { plan_init(o, f); }) ==
        "port 443 of Gateway infra/shared is taken by listener web (HTTPS); a port carries one protocol, so pick "
        "another with --plaintext-port");
  InitOptions www = host("www.example.com");
  www.gateway = "infra/shared";
  CHECK(error_of([&] { plan_init(www, f); }) ==
        "listener web of Gateway infra/shared already serves www.example.com on port 443; remove it, or pick another "
        "port with --https-port");
  // Port 80 carries HTTP already (another host's or any host's): h2c shares it.
  o.plaintext_port.reset();
  CHECK(listeners_of(plan_init(o, f).changes[0].object).size() == 1);
  o.https = true;
  o.https_port = 80;
  o.plaintext_port = 80;
  CHECK(error_of([&] { plan_init(o, f); }) ==
        "the HTTPS and h2c listeners cannot share port 80; set --https-port or --plaintext-port");
}

TEST_CASE("gateway-api init: a Gateway of the host's name that is not ours is refused") {
  InitFacts f = live();
  f.gateway = shared_gateway();
  f.gateway->at("metadata") = {{"name", "grpc-example-com"}, {"namespace", "istio-ingress"}};
  CHECK(error_of([&] { plan_init(host("grpc.example.com"), f); }) ==
        "Gateway istio-ingress/grpc-example-com already exists and was not created by kubectl-grpcmesh; attach the "
        "host to it with --gateway istio-ingress/grpc-example-com, or delete or rename it");
}

TEST_CASE("gateway-api init: --remove takes the host's listeners back, the whole Gateway when it is ours") {
  InitOptions o = host("grpc.example.com");
  o.https = true;
  o.plaintext = true;
  InitFacts f = live();
  f.gateway = plan_init(o, live()).changes[0].object;
  InitOptions remove = host("grpc.example.com");
  remove.remove = true;
  remove.plaintext = true;
  ChangeSet only_h2c = plan_init(remove, f);
  REQUIRE(only_h2c.changes.size() == 1);
  CHECK(only_h2c.changes[0].kind == Change::Kind::Apply);
  CHECK(listeners_of(only_h2c.changes[0].object).size() == 1);
  remove.plaintext = false;
  ChangeSet all = plan_init(remove, f);
  REQUIRE(all.changes.size() == 1);
  CHECK(all.changes[0].kind == Change::Kind::Release);
  CHECK(all.notes[0] == "grpc.example.com no longer has a Gateway from kubectl-grpcmesh");
  f.gateway.reset();
  CHECK(plan_init(remove, f).changes.empty());
}

TEST_CASE("gateway-api init: warns about a missing Secret and about other Gateways for the host") {
  InitFacts f = live();
  f.credential_exists = false;
  nlohmann::json other = shared_gateway();
  other["spec"]["listeners"][0]["hostname"] = "grpc.example.com";
  f.other_gateways.push_back(other);
  ChangeSet cs = plan_init(host("grpc.example.com"), f);
  REQUIRE(cs.warnings.size() == 2);
  CHECK(cs.warnings[0] ==
        "Gateway infra/shared also has a listener for grpc.example.com (port 443); each Gateway gets its own gateway "
        "pods and address, so clients reach one or the other: remove one of them");
  CHECK(cs.warnings[1].rfind("Secret istio-ingress/grpc-example-com-tls does not exist yet", 0) == 0);
}

TEST_CASE("gateway-api init --client-ca: a ConfigMap with the CA, then the Gateway validating port 443's clients") {
  InitOptions o = host("grpc.example.com");
  o.client_ca_pem = "-----BEGIN CERTIFICATE-----\n...\n";
  ChangeSet cs = plan_init(o, live());
  REQUIRE(cs.changes.size() == 2);
  CHECK(cs.changes[0].object == yaml(R"(
apiVersion: v1
kind: ConfigMap
metadata:
  name: grpc-example-com-client-ca
  namespace: istio-ingress
  labels: {app.kubernetes.io/managed-by: kubectl-grpcmesh}
data: {ca.crt: "-----BEGIN CERTIFICATE-----\n...\n"}
)"));
  CHECK(cs.changes[1].object["spec"]["tls"] == yaml(R"(
frontend:
  default: {}
  perPort:
  - port: 443
    tls: {validation: {caCertificateRefs: [{group: "", kind: ConfigMap, name: grpc-example-com-client-ca}]}}
)"));
  CHECK(client_ca_of(cs.changes[1].object, 443) == "grpc-example-com-client-ca");
  CHECK(client_ca_of(cs.changes[1].object, 8443) == "");

  // Re-run without --client-ca (adding h2c): the validation stays, on the new HTTPS port too.
  InitFacts f = live();
  f.gateway = cs.changes[1].object;
  InitOptions again = host("grpc.example.com");
  again.plaintext = true;
  again.https_port = 8443;
  again.https = true;
  ChangeSet kept = plan_init(again, f);
  REQUIRE(kept.changes.size() == 1);
  CHECK(client_ca_of(kept.changes[0].object, 8443) == "grpc-example-com-client-ca");

  // --remove of the HTTPS listener drops the validation and the ConfigMap init wrote.
  f.gateway = kept.changes[0].object;
  f.client_ca = cs.changes[0].object;
  InitOptions remove = host("grpc.example.com");
  remove.remove = true;
  remove.https = true;
  ChangeSet removed = plan_init(remove, f);
  REQUIRE(removed.changes.size() == 2);
  CHECK_FALSE(removed.changes[0].object["spec"].contains("tls"));
  CHECK(removed.changes[1].kind == Change::Kind::Release);
  CHECK(removed.changes[1].object["kind"] == "ConfigMap");
}

TEST_CASE("gateway-api init --client-ca: refused where other hosts' clients would be asked for certificates") {
  InitOptions shared = host("grpc.example.com");
  shared.gateway = "infra/shared";
  shared.client_ca_pem = "CA";
  InitFacts f = live();
  f.gateway = shared_gateway();
  CHECK(error_of([&] { plan_init(shared, f); }).rfind("--client-ca cannot go on shared Gateway infra/shared", 0) == 0);

  // The host's own Gateway with another host's HTTPS listener on the same port.
  InitOptions other = host("api.example.com");
  ChangeSet first = plan_init(other, live());
  InitOptions both = host("grpc.example.com");
  both.client_ca_pem = "CA";
  InitFacts g = live();
  g.gateway = first.changes[0].object;
  g.gateway.value()["metadata"]["name"] = "grpc-example-com";
  CHECK(error_of([&] { plan_init(both, g); }) ==
        "listener api-example-com-https of Gateway istio-ingress/grpc-example-com shares port 443 with "
        "grpc.example.com: the Gateway API asks for client certificates per port (spec.tls.frontend), so "
        "--client-ca would ask its clients too; move the host to another port with --https-port");
}
