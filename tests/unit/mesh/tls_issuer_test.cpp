#include "core/mesh/tls_issuer.hpp"

#include <doctest/doctest.h>

#include "core/manifest/gateway.hpp"
#include "core/util/error.hpp"
#include "tests/unit/mesh/fixtures.hpp"

using namespace grpcmesh::mesh;
using grpcmesh::testing::error_of;
using nlohmann::json;

namespace {

IssuerOptions options(const std::string& issuer = "ca", const std::string& kind = "Issuer") {
  IssuerOptions o;
  o.host = "grpc.example.com";
  o.issuer = issuer;
  o.issuer_kind = kind;
  validate_issuer_options(o);
  return o;
}

json gateway(const std::string& credential, bool ours = true) {
  grpcmesh::manifest::GatewayOptions g;
  g.name = "grpc-example-com";
  g.namespace_name = "istio-system";
  g.host = "grpc.example.com";
  g.selector = {{"istio", "ingressgateway"}};
  g.https = grpcmesh::manifest::HttpsServer{443, credential, false};
  json gw = grpcmesh::manifest::gateway(g);
  if (!ours) gw["metadata"].erase("labels");
  return gw;
}

json issuer(bool ready, const std::string& ns = "istio-system") {
  json i = {{"apiVersion", "cert-manager.io/v1"},
            {"kind", "Issuer"},
            {"metadata", {{"name", "ca"}, {"namespace", ns}}},
            {"spec", {{"ca", {{"secretName", "ca"}}}}}};
  i["status"]["conditions"] = json::array({{{"type", "Ready"},
                                            {"status", ready ? "True" : "False"},
                                            {"reason", ready ? "KeyPairVerified" : "ErrGetKeyPair"},
                                            {"message", ready ? "Signing CA verified" : "secret \"ca\" not found"}}});
  return i;
}

IssuerFacts facts(const std::string& credential = "grpc-example-com-tls") {
  IssuerFacts f;
  f.workload_namespace = "istio-system";
  f.gateway = gateway(credential);
  f.server = servers_for_host({*f.gateway}, "grpc.example.com").at(0);
  f.checked = true;
  f.issuer = issuer(true);
  return f;
}

json certificate(const std::string& name, const std::string& secret, bool ours) {
  json c = {{"apiVersion", "cert-manager.io/v1"},
            {"kind", "Certificate"},
            {"metadata", {{"name", name}, {"namespace", "istio-system"}}},
            {"spec", {{"secretName", secret}}}};
  if (ours) c["metadata"]["labels"]["app.kubernetes.io/managed-by"] = "kubectl-grpcmesh";
  return c;
}

}  // namespace

TEST_CASE("tls --issuer: a Certificate for the host, named and writing the server's credentialName, where the gateway "
          "pods are") {
  ChangeSet cs = plan_tls_issuer(options(), facts());
  REQUIRE(cs.changes.size() == 1);
  const json& c = cs.changes[0].object;
  CHECK(c["apiVersion"] == "cert-manager.io/v1");
  CHECK(c["kind"] == "Certificate");
  CHECK(c["metadata"]["name"] == "grpc-example-com-tls");
  CHECK(c["metadata"]["namespace"] == "istio-system");
  CHECK(c["metadata"]["labels"]["app.kubernetes.io/managed-by"] == "kubectl-grpcmesh");
  CHECK(c["spec"]["secretName"] == "grpc-example-com-tls");
  CHECK(c["spec"]["dnsNames"] == json::array({"grpc.example.com"}));
  CHECK(c["spec"]["issuerRef"] == json{{"group", "cert-manager.io"}, {"kind", "Issuer"}, {"name", "ca"}});
  CHECK(c["spec"]["privateKey"] == json{{"algorithm", "ECDSA"}, {"size", 256}, {"rotationPolicy", "Always"}});
  CHECK(c["spec"]["duration"] == "2160h");
  CHECK_FALSE(c["spec"].contains("renewBefore"));
  CHECK(cs.warnings.empty());
}

TEST_CASE("tls --issuer: key algorithm, size, duration and renewBefore from the flags, bad ones refused") {
  IssuerOptions o = options("le", "ClusterIssuer");
  o.key_algorithm = "RSA";
  o.key_size = 0;
  o.duration = "720h";
  o.renew_before = "240h";
  validate_issuer_options(o);
  CHECK(o.key_size == 2048);
  json c = certificate_manifest(o, "s", "ns");
  CHECK(c["spec"]["privateKey"]["algorithm"] == "RSA");
  CHECK(c["spec"]["privateKey"]["size"] == 2048);
  CHECK(c["spec"]["renewBefore"] == "240h");
  CHECK(c["spec"]["issuerRef"]["kind"] == "ClusterIssuer");

  IssuerOptions ed = options();
  ed.key_algorithm = "Ed25519";
  ed.key_size = 0;
  validate_issuer_options(ed);
  CHECK_FALSE(certificate_manifest(ed, "s", "ns")["spec"]["privateKey"].contains("size"));

  auto refused = [](auto change) {
    IssuerOptions b = options();
    change(b);
    return error_of([&] { validate_issuer_options(b); });
  };
  CHECK(refused([](IssuerOptions& b) { b.issuer_kind = "issuer"; }) ==
        "--issuer-kind must be Issuer or ClusterIssuer, not \"issuer\"");
  CHECK(refused([](IssuerOptions& b) { b.key_size = 1024; }) ==
        "--key-size 1024 is not one cert-manager issues for ECDSA: use 256, 384 or 521");
  CHECK(refused([](IssuerOptions& b) { b.duration = "30m"; }) ==
        "--duration 30m is shorter than the hour cert-manager accepts; use e.g. 2160h");
  CHECK(refused([](IssuerOptions& b) { b.renew_before = "3000h"; }) ==
        "--renew-before 3000h must be at least 5m and shorter than --duration 2160h");
}

TEST_CASE("tls --issuer refuses: no Issuer, an Issuer in another namespace, another Certificate on the Secret") {
  IssuerFacts missing = facts();
  missing.issuer.reset();
  CHECK(error_of([&] { plan_tls_issuer(options(), missing); }) ==
        "Issuer istio-system/ca does not exist; create it first, or name another with --issuer (or --issuer-kind "
        "ClusterIssuer)");
  CHECK(error_of([&] { plan_tls_issuer(options("le", "ClusterIssuer"), missing); }) ==
        "ClusterIssuer le does not exist; create it first, or name another with --issuer");

  IssuerFacts elsewhere = missing;
  elsewhere.issuer_elsewhere = {"team-a"};
  CHECK(error_of([&] { plan_tls_issuer(options(), elsewhere); }) ==
        "Issuer ca is in namespace team-a, but a namespaced Issuer only signs Certificates in its own namespace and "
        "this Certificate must be in istio-system (where the gateway pods read Secret grpc-example-com-tls); create "
        "the Issuer in istio-system or use a ClusterIssuer (--issuer-kind ClusterIssuer)");

  IssuerFacts taken = facts();
  taken.writers = {certificate("theirs", "grpc-example-com-tls", false)};
  CHECK(error_of([&] { plan_tls_issuer(options(), taken); }) ==
        "Certificate istio-system/theirs (not created by kubectl-grpcmesh) already writes Secret "
        "istio-system/grpc-example-com-tls; two Certificates on one Secret overwrite each other: delete it, or pass "
        "--secret-name with another Secret");

  IssuerFacts foreign = facts();
  foreign.certificate = certificate("grpc-example-com-tls", "grpc-example-com-tls", false);
  CHECK(error_of([&] { plan_tls_issuer(options(), foreign); }) ==
        "Certificate istio-system/grpc-example-com-tls exists and was not created by kubectl-grpcmesh; pass "
        "--secret-name to use another name, or delete it");
}

TEST_CASE("tls --issuer: an Issuer not Ready is a warning with cert-manager's reason, --secret-name rebinds our "
          "Gateway only") {
  IssuerFacts f = facts();
  f.issuer = issuer(false);
  ChangeSet cs = plan_tls_issuer(options(), f);
  REQUIRE(cs.warnings.size() == 1);
  CHECK(cs.warnings[0] ==
        "Issuer istio-system/ca is not Ready (ErrGetKeyPair: secret \"ca\" not found): the Certificate waits until it "
        "is");

  IssuerOptions renamed = options();
  renamed.secret_name = "other";
  cs = plan_tls_issuer(renamed, facts());
  REQUIRE(cs.changes.size() == 2);
  CHECK(cs.changes[1].object["kind"] == "Gateway");
  CHECK(cs.changes[1].object["spec"]["servers"][facts().server->index]["tls"]["credentialName"] == "other");

  IssuerFacts theirs = facts();
  theirs.gateway = gateway("grpc-example-com-tls", false);
  CHECK(error_of([&] { plan_tls_issuer(renamed, theirs); }) ==
        "the HTTPS server of Gateway istio-system/grpc-example-com uses credentialName \"grpc-example-com-tls\", and "
        "that Gateway was not created by kubectl-grpcmesh; pass --secret-name grpc-example-com-tls to write that "
        "Secret instead");
}

TEST_CASE("tls --issuer --remove releases only our Certificate") {
  IssuerOptions o = options();
  o.remove = true;
  IssuerFacts f = facts();
  CHECK(plan_tls_issuer(o, f).changes.empty());
  f.certificate = certificate("grpc-example-com-tls", "grpc-example-com-tls", true);
  ChangeSet cs = plan_tls_issuer(o, f);
  REQUIRE(cs.changes.size() == 1);
  CHECK(cs.changes[0].kind == Change::Kind::Release);
  CHECK(cs.changes[0].object["kind"] == "Certificate");
  f.certificate = certificate("grpc-example-com-tls", "grpc-example-com-tls", false);
  CHECK(error_of([&] { plan_tls_issuer(o, f); }) ==
        "Certificate istio-system/grpc-example-com-tls was not created by kubectl-grpcmesh; delete it yourself if you "
        "mean to (kubectl delete certificate grpc-example-com-tls -n istio-system)");
}

TEST_CASE("certificate_progress: Ready for the current generation, otherwise cert-manager's reasons") {
  json cert = {{"metadata", {{"generation", 2}}}};
  CHECK(certificate_progress(cert, {}).summary == "no status from cert-manager yet (is its controller running?)");

  cert["status"]["conditions"] = json::array(
      {{{"type", "Ready"}, {"status", "True"}, {"observedGeneration", 1}, {"reason", "Ready"}, {"message", "ok"}}});
  CHECK_FALSE(certificate_progress(cert, {}).ready);  // an older spec was Ready
  cert["status"]["conditions"][0]["observedGeneration"] = 2;
  CHECK(certificate_progress(cert, {}).ready);

  cert["status"]["conditions"] = json::array(
      {{{"type", "Ready"}, {"status", "False"}, {"reason", "DoesNotExist"}, {"message", "Issuing certificate as Secret does not exist"}},
       {{"type", "Issuing"}, {"status", "True"}, {"reason", "DoesNotExist"}, {"message", "Issuing certificate as Secret does not exist"}}});
  json request = {{"metadata", {{"name", "c-1"}, {"creationTimestamp", "2026-12-06T20:00:00Z"}}},
                  {"status",
                   {{"conditions",
                     json::array({{{"type", "Ready"}, {"status", "False"}, {"reason", "Pending"},
                                   {"message", "Referenced issuer does not have a Ready status condition"}}})}}}};
  CertificateProgress p = certificate_progress(cert, {request});
  CHECK_FALSE(p.ready);
  CHECK_FALSE(p.failed);
  CHECK(p.summary ==
        "Ready False (DoesNotExist: Issuing certificate as Secret does not exist); Issuing True (DoesNotExist: Issuing "
        "certificate as Secret does not exist); CertificateRequest c-1 Pending: Referenced issuer does not have a Ready "
        "status condition");

  request["status"]["conditions"][0]["reason"] = "Failed";
  CHECK(certificate_progress(cert, {request}).failed);
}
