#include "core/gatewayapi/tls.hpp"

#include <doctest/doctest.h>

#include "core/gatewayapi/init.hpp"
#include "core/util/error.hpp"
#include "core/util/yaml.hpp"
#include "tests/unit/mesh/fixtures.hpp"

using namespace grpcmesh::gatewayapi;
using grpcmesh::mesh::Change;
using grpcmesh::mesh::ChangeSet;
using grpcmesh::testing::error_of;

namespace {

// 2027-01-01: inside the fixtures' validity window.
const grpcmesh::tls::Clock::time_point kNow = grpcmesh::tls::Clock::from_time_t(1'798'761'600);

std::string fixture(const std::string& name) {
  std::ifstream in(grpcmesh::testing::testdata_path("tls/" + name));
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TlsOptions options() {
  TlsOptions o;
  o.host = "grpc.example.com";
  o.bundle = {fixture("grpc.example.com.crt"), fixture("grpc.example.com.key"), "", "crt", "key", ""};
  o.now = kNow;
  return o;
}

// The Gateway init makes for the host (HTTPS and h2c), as tls reads it.
TlsFacts live() {
  InitOptions init;
  init.host = "grpc.example.com";
  init.namespace_name = "istio-ingress";
  init.https = true;
  init.plaintext = true;
  InitFacts none;
  none.known = true;
  TlsFacts f;
  f.known = true;
  f.gateway = plan_init(init, none).changes.at(0).object;
  f.gateway_namespace = "istio-ingress";
  f.gateway_name = "grpc-example-com";
  f.listener = listeners_of(*f.gateway).at(0);
  return f;
}

}  // namespace

TEST_CASE("gateway-api tls: the Secret in the Gateway's namespace, where the listener points") {
  ChangeSet cs = plan_tls(options(), live());
  REQUIRE(cs.changes.size() == 1);
  const auto& secret = cs.changes[0].object;
  CHECK(secret["kind"] == "Secret");
  CHECK(secret["type"] == "kubernetes.io/tls");
  CHECK(secret["metadata"]["namespace"] == "istio-ingress");
  CHECK(secret["metadata"]["name"] == "grpc-example-com-tls");
  CHECK(cs.notes.back().rfind("Secret istio-ingress/grpc-example-com-tls holds the certificate for grpc.example.com",
                              0) == 0);
}

TEST_CASE("gateway-api tls: --secret-namespace writes a ReferenceGrant and points the host's listeners there") {
  TlsOptions o = options();
  o.secret_namespace = "certs";
  ChangeSet cs = plan_tls(o, live());
  REQUIRE(cs.changes.size() == 3);
  CHECK(cs.changes[0].object["metadata"]["namespace"] == "certs");
  CHECK(cs.changes[1].object == grpcmesh::yaml::parse(R"(
apiVersion: gateway.networking.k8s.io/v1beta1
kind: ReferenceGrant
metadata:
  name: grpc-example-com-tls-from-istio-ingress
  namespace: certs
  labels: {app.kubernetes.io/managed-by: kubectl-grpcmesh}
spec:
  from: [{group: gateway.networking.k8s.io, kind: Gateway, namespace: istio-ingress}]
  to: [{group: "", kind: Secret, name: grpc-example-com-tls}]
)"));
  const auto listeners = listeners_of(cs.changes[2].object);
  REQUIRE(listeners.size() == 2);  // the h2c listener is applied again, or server-side apply would drop it
  CHECK(listeners[0].secret_namespace == "certs");
  CHECK(listeners[1].protocol == "HTTP");
  CHECK(cs.changes[2].object["spec"]["gatewayClassName"] == "istio");

  // A re-run without the flag finds the Secret where the listener points.
  TlsFacts moved = live();
  moved.gateway = cs.changes[2].object;
  moved.listener = listeners[0];
  CHECK(tls_secret_ref(options(), moved) == std::make_pair(std::string("certs"), std::string("grpc-example-com-tls")));
  CHECK(plan_tls(options(), moved).changes.size() == 2);  // Secret and ReferenceGrant, no rebinding
}

TEST_CASE("gateway-api tls: another team's listener is not rebound, no listener means init first") {
  TlsFacts f = live();
  f.listener->name = "platform";
  TlsOptions o = options();
  o.secret_name = "mine";
  CHECK(error_of([&] { plan_tls(o, f); }) ==
        "listener platform of Gateway istio-ingress/grpc-example-com was not made by kubectl-grpcmesh and reads Secret "
        "istio-ingress/grpc-example-com-tls; pass --secret-name grpc-example-com-tls --secret-namespace istio-ingress "
        "to write that Secret instead");
  f.listener.reset();
  CHECK(error_of([&] { plan_tls(options(), f); }) ==
        "Gateway istio-ingress/grpc-example-com has no HTTPS listener for grpc.example.com; run kubectl grpcmesh init "
        "--host grpc.example.com --api gateway-api first");
}

TEST_CASE("gateway-api tls: --remove deletes the Secret and the ReferenceGrant it made, never another's Secret") {
  TlsOptions o = options();
  o.remove = true;
  TlsFacts f = live();
  f.secret = plan_tls(options(), live()).changes[0].object;
  f.reference_grant = grpcmesh::yaml::parse(
      "{apiVersion: gateway.networking.k8s.io/v1beta1, kind: ReferenceGrant, metadata: {name: g, namespace: certs, "
      "labels: {app.kubernetes.io/managed-by: kubectl-grpcmesh}}}");
  ChangeSet cs = plan_tls(o, f);
  REQUIRE(cs.changes.size() == 2);
  CHECK(cs.changes[0].kind == Change::Kind::Release);
  CHECK(cs.changes[1].object["kind"] == "ReferenceGrant");
  f.secret->at("metadata").erase("labels");
  CHECK(error_of([&] { plan_tls(o, f); }).rfind("Secret istio-ingress/grpc-example-com-tls was not created by "
                                               "kubectl-grpcmesh", 0) == 0);
}

namespace {

grpcmesh::mesh::IssuerOptions issuer() {
  grpcmesh::mesh::IssuerOptions o;
  o.host = "grpc.example.com";
  o.issuer = "letsencrypt";
  o.issuer_kind = "ClusterIssuer";
  grpcmesh::mesh::validate_issuer_options(o);
  return o;
}

}  // namespace

TEST_CASE("gateway-api tls --issuer: the Certificate writes the Secret the listener reads, in the Gateway's namespace") {
  TlsOptions o = options();
  const TlsFacts f = live();
  const grpcmesh::mesh::IssuerFacts cm = issuer_facts(o, f);
  CHECK(cm.workload_namespace == "istio-ingress");
  ChangeSet cs = plan_tls_issuer(o, f, issuer(), cm);
  REQUIRE(cs.changes.size() == 1);  // the listener already names the Secret
  const auto& cert = cs.changes[0].object;
  CHECK(cert["kind"] == "Certificate");
  CHECK(cert["metadata"]["namespace"] == "istio-ingress");
  CHECK(cert["metadata"]["name"] == "grpc-example-com-tls");
  CHECK(cert["spec"]["secretName"] == "grpc-example-com-tls");
  CHECK(cert["spec"]["dnsNames"] == nlohmann::json::array({"grpc.example.com"}));
  CHECK(cert["spec"]["issuerRef"]["kind"] == "ClusterIssuer");
}

TEST_CASE("gateway-api tls --issuer --secret-namespace: Certificate, ReferenceGrant and the listener pointed there") {
  TlsOptions o = options();
  o.secret_namespace = "certs";
  const TlsFacts f = live();
  ChangeSet cs = plan_tls_issuer(o, f, issuer(), issuer_facts(o, f));
  REQUIRE(cs.changes.size() == 3);
  CHECK(cs.changes[0].object["kind"] == "Certificate");
  CHECK(cs.changes[0].object["metadata"]["namespace"] == "certs");
  CHECK(cs.changes[1].object["kind"] == "ReferenceGrant");
  CHECK(cs.changes[1].object["spec"]["to"][0]["name"] == "grpc-example-com-tls");
  const auto listeners = listeners_of(cs.changes[2].object);
  REQUIRE(listeners.size() == 2);
  CHECK(listeners[0].secret_namespace == "certs");
  CHECK(listeners[0].secret_name == "grpc-example-com-tls");
}

TEST_CASE("gateway-api tls --issuer: a namespaced Issuer elsewhere is refused, naming the listener that reads") {
  TlsOptions o = options();
  o.secret_namespace = "certs";
  const TlsFacts f = live();
  grpcmesh::mesh::IssuerOptions io = issuer();
  io.issuer_kind = "Issuer";
  grpcmesh::mesh::IssuerFacts cm = issuer_facts(o, f);
  cm.checked = true;
  cm.issuer_elsewhere = {"istio-ingress"};
  CHECK(error_of([&] { plan_tls_issuer(o, f, io, cm); }) ==
        "Issuer letsencrypt is in namespace istio-ingress, but a namespaced Issuer only signs Certificates in its own "
        "namespace and this Certificate must be in certs (where listener grpc-example-com-https of Gateway "
        "istio-ingress/grpc-example-com reads Secret grpc-example-com-tls); create the Issuer in certs or use a "
        "ClusterIssuer (--issuer-kind ClusterIssuer)");
  // No listener for the host: init first, as for a certificate from files.
  TlsFacts none = live();
  none.listener.reset();
  CHECK(error_of([&] { plan_tls_issuer(options(), none, issuer(), issuer_facts(options(), none)); })
            .rfind("Gateway istio-ingress/grpc-example-com has no HTTPS listener for grpc.example.com", 0) == 0);
}

TEST_CASE("gateway-api tls --issuer --remove: only the Certificate goes, the Secret and ReferenceGrant stay") {
  TlsOptions o = options();
  o.remove = true;
  TlsFacts f = live();
  f.secret = nlohmann::json{{"kind", "Secret"}, {"metadata", {{"name", "grpc-example-com-tls"}}}};
  grpcmesh::mesh::IssuerOptions io = issuer();
  io.remove = true;
  grpcmesh::mesh::IssuerFacts cm = issuer_facts(o, f);
  cm.certificate = plan_tls_issuer(options(), live(), issuer(), issuer_facts(options(), live())).changes[0].object;
  ChangeSet cs = plan_tls_issuer(o, f, io, cm);
  REQUIRE(cs.changes.size() == 1);
  CHECK(cs.changes[0].kind == Change::Kind::Release);
  CHECK(cs.changes[0].object["kind"] == "Certificate");
  CHECK(cs.notes.back().rfind("Secret istio-ingress/grpc-example-com-tls stays", 0) == 0);
}

TEST_CASE("gateway-api tls: rebinding the listener keeps init --client-ca's client validation") {
  InitOptions init;
  init.host = "grpc.example.com";
  init.namespace_name = "istio-ingress";
  init.https = true;
  init.client_ca_pem = "CA";
  InitFacts none;
  none.known = true;
  TlsFacts f = live();
  f.gateway = plan_init(init, none).changes.at(1).object;
  f.listener = listeners_of(*f.gateway).at(0);
  TlsOptions o = options();
  o.secret_name = "renamed";
  ChangeSet cs = plan_tls(o, f);
  REQUIRE(cs.changes.size() == 2);
  CHECK(client_ca_of(cs.changes[1].object, 443) == "grpc-example-com-client-ca");
  // --ca belongs on the Gateway (init --client-ca), not in the listener's Secret.
  TlsOptions with_ca = options();
  with_ca.bundle.ca_pem = fixture("other.crt");
  CHECK(error_of([&] { plan_tls(with_ca, live()); }).rfind("--ca: the Gateway API reads the client CA from the "
                                                           "Gateway's spec.tls.frontend", 0) == 0);
}
