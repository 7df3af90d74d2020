#include "core/mesh/tls_command.hpp"

#include <doctest/doctest.h>

#include "core/manifest/ca_secret.hpp"
#include "core/manifest/gateway.hpp"
#include "core/manifest/tls_secret.hpp"
#include "core/tls/self_signed.hpp"
#include "core/util/yaml.hpp"
#include "tests/unit/mesh/fixtures.hpp"

using namespace grpcmesh::mesh;
using grpcmesh::testing::check_golden;
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

TlsOptions options(const std::string& crt = "grpc.example.com.crt", const std::string& key = "grpc.example.com.key") {
  TlsOptions o;
  o.host = "grpc.example.com";
  o.bundle = {fixture(crt), fixture(key), "", crt, key, ""};
  o.now = kNow;
  return o;
}

nlohmann::json our_gateway(const std::string& credential, bool mutual = false) {
  grpcmesh::manifest::GatewayOptions g;
  g.name = "grpc-example-com";
  g.namespace_name = "istio-system";
  g.host = "grpc.example.com";
  g.selector = {{"istio", "ingressgateway"}};
  g.https = grpcmesh::manifest::HttpsServer{443, credential, mutual};
  return grpcmesh::manifest::gateway(g);
}

TlsFacts live_facts(const std::string& credential = "grpc-example-com-tls", bool mutual = false) {
  TlsFacts f;
  f.workload_namespace = "istio-system";
  f.gateway = our_gateway(credential, mutual);
  f.server = servers_for_host({*f.gateway}, "grpc.example.com").at(0);
  return f;
}

}  // namespace

TEST_CASE("tls: writes a kubernetes.io/tls Secret named by the server's credentialName in the workload namespace") {
  ChangeSet cs = plan_tls(options(), live_facts());
  check_golden("mesh/tls-secret.yaml", grpcmesh::yaml::dump_all(planned_objects(cs)));
  CHECK(cs.warnings.empty());
  REQUIRE(cs.notes.size() == 1);
  CHECK(cs.notes[0].rfind("Secret istio-system/grpc-example-com-tls holds the certificate for grpc.example.com "
                          "(ECDSA P-256, expires 2036-11-23",
                          0) == 0);
}

TEST_CASE("tls: bad certificates stop the plan with one line") {
  CHECK(error_of([] { plan_tls(options("other.crt", "other.key"), live_facts()); }) ==
        "other.crt: the certificate is for api.example.com, not grpc.example.com; issue a certificate whose "
        "subjectAltName covers grpc.example.com");
  CHECK(error_of([] { plan_tls(options("grpc.example.com.crt", "other.key"), live_facts()); })
            .rfind("other.key: the private key does not match the certificate in grpc.example.com.crt", 0) == 0);
  TlsOptions expired = options();
  expired.now = grpcmesh::tls::Clock::from_time_t(2'200'000'000);  // 2039
  CHECK(error_of([&] { plan_tls(expired, live_facts()); }).find("expired on 2036-11-23") != std::string::npos);
}

TEST_CASE("tls: a different --secret-name rebinds our Gateway's HTTPS server, keeping the rest of its spec") {
  TlsOptions o = options();
  o.secret_name = "grpc-2027";
  ChangeSet cs = plan_tls(o, live_facts());
  REQUIRE(cs.changes.size() == 2);
  nlohmann::json expected = our_gateway("grpc-2027");
  CHECK(cs.changes[1].object == expected);
  CHECK(cs.changes[0].object["metadata"]["name"] == "grpc-2027");
}

TEST_CASE("tls: re-pointing a MUTUAL server to another Secret takes its client CA along") {
  const std::string ca_pem = fixture("grpc.example.com.crt");  // any PEM certificate stands in for the CA
  const auto ca_in = [](const nlohmann::json& secret) {
    return grpcmesh::manifest::base64_decode(secret["data"]["ca.crt"].get<std::string>());
  };
  TlsOptions o = options();
  o.secret_name = "grpc-2027";
  TlsFacts f = live_facts("grpc-old", true);
  f.old_ca_secret = grpcmesh::manifest::ca_secret("grpc-old", "istio-system", ca_pem);

  // The CA goes to grpc-2027-cacert before the Gateway names grpc-2027; the
  // old CA Secret, ours and read by no other server, goes after.
  ChangeSet cs = plan_tls(o, f);
  REQUIRE(cs.changes.size() == 4);
  CHECK(cs.changes[0].object["metadata"]["name"] == "grpc-2027");
  CHECK(cs.changes[1].kind == Change::Kind::Apply);
  CHECK(cs.changes[1].object["metadata"]["name"] == "grpc-2027-cacert");
  CHECK(ca_in(cs.changes[1].object) == ca_pem);
  CHECK(cs.changes[2].object == our_gateway("grpc-2027", true));
  CHECK(cs.changes[3].kind == Change::Kind::Release);
  CHECK(cs.changes[3].object["metadata"]["name"] == "grpc-old-cacert");
  CHECK(cs.notes[1] == "Secret istio-system/grpc-2027-cacert holds the client CA (from Secret "
                       "istio-system/grpc-old-cacert) for the MUTUAL server of Gateway istio-system/grpc-example-com");
  CHECK(cs.notes[2] == "Secret istio-system/grpc-old-cacert removed: no server reads it any more");

  // Another MUTUAL server still reads the old CA Secret: it stays.
  f.old_ca_readers = {"apps/legacy"};
  cs = plan_tls(o, f);
  REQUIRE(cs.changes.size() == 3);
  CHECK(cs.changes[2].kind == Change::Kind::Apply);
  CHECK(cs.notes[2] == "Secret istio-system/grpc-old-cacert stays: Gateway apps/legacy still reads it");
  f.old_ca_readers.clear();

  // The CA was in the old Secret itself (ca.crt): it is copied from there.
  f.old_ca_secret.reset();
  f.old_secret = grpcmesh::manifest::tls_secret({"grpc-old", "istio-system", "c", "k", ca_pem});
  cs = plan_tls(o, f);
  REQUIRE(cs.changes.size() == 3);
  CHECK(ca_in(cs.changes[1].object) == ca_pem);

  // A CA Secret of that name that is not ours is used as it is.
  f.new_ca_secret = grpcmesh::manifest::ca_secret("grpc-2027", "istio-system", ca_pem);
  f.new_ca_secret->at("metadata").erase("labels");
  cs = plan_tls(o, f);
  REQUIRE(cs.changes.size() == 2);
  CHECK(cs.notes[1] == "Gateway istio-system/grpc-example-com now checks client certificates against the CA in "
                       "Secret istio-system/grpc-2027-cacert, which was already there");
  f.new_ca_secret.reset();

  // --ca puts the CA in the new Secret itself.
  TlsOptions with_ca = o;
  with_ca.bundle.ca_pem = ca_pem;
  cs = plan_tls(with_ca, f);
  REQUIRE(cs.changes.size() == 2);
  CHECK(ca_in(cs.changes[0].object) == ca_pem);

  // No CA anywhere: refused before anything changes, naming --ca.
  f.old_secret.reset();
  CHECK(error_of([&] { plan_tls(o, f); }) ==
        "the MUTUAL server of Gateway istio-system/grpc-example-com has no client CA to keep (neither Secret "
        "istio-system/grpc-old-cacert nor ca.crt in Secret istio-system/grpc-old); pass --ca FILE with the CA that "
        "issues the client certificates");
}

TEST_CASE("tls: --ca goes where Istio reads it - the -cacert Secret when there is one") {
  const std::string ca_pem = fixture("grpc.example.com.crt");  // any PEM certificate stands in for the CA
  const std::string other_ca = fixture("other.crt");
  TlsOptions o = options();
  o.bundle.ca_pem = ca_pem;
  TlsFacts f = live_facts("grpc-example-com-tls", true);

  // No -cacert Secret: ca.crt in the Secret itself.
  ChangeSet cs = plan_tls(o, f);
  REQUIRE(cs.changes.size() == 1);
  CHECK(cs.changes[0].object["data"].contains("ca.crt"));

  // Ours: the CA is written there, and not to ca.crt, which Istio would ignore.
  f.new_ca_secret = grpcmesh::manifest::ca_secret("grpc-example-com-tls", "istio-system", other_ca);
  cs = plan_tls(o, f);
  REQUIRE(cs.changes.size() == 2);
  CHECK_FALSE(cs.changes[0].object["data"].contains("ca.crt"));
  CHECK(cs.changes[1].object["metadata"]["name"] == "grpc-example-com-tls-cacert");
  CHECK(grpcmesh::manifest::base64_decode(cs.changes[1].object["data"]["ca.crt"].get<std::string>()) == ca_pem);
  CHECK(cs.notes[0] == "Secret istio-system/grpc-example-com-tls-cacert holds the client CA from --ca (Istio reads "
                       "it before ca.crt in Secret istio-system/grpc-example-com-tls)");

  // Not ours, with another CA: refused, since --ca would be ignored.
  f.new_ca_secret->at("metadata").erase("labels");
  CHECK(error_of([&] { plan_tls(o, f); }) ==
        "Secret istio-system/grpc-example-com-tls-cacert holds the client CA Istio reads for Secret "
        "istio-system/grpc-example-com-tls (before its ca.crt), and it was not created by kubectl-grpcmesh, so --ca "
        "would be ignored; put the CA in grpc-example-com-tls-cacert under ca.crt, or delete it and re-run");
  // Not ours, holding the same CA: nothing to write there.
  f.new_ca_secret = grpcmesh::manifest::ca_secret("grpc-example-com-tls", "istio-system", ca_pem);
  f.new_ca_secret->at("metadata").erase("labels");
  cs = plan_tls(o, f);
  REQUIRE(cs.changes.size() == 1);
  CHECK(cs.notes[0] == "Secret istio-system/grpc-example-com-tls-cacert already holds the CA given with --ca");

  // A SIMPLE server moved to a Secret whose -cacert is ours: the CA still goes there.
  TlsOptions moved = o;
  moved.secret_name = "grpc-2027";
  TlsFacts simple = live_facts("grpc-example-com-tls", false);
  simple.new_ca_secret = grpcmesh::manifest::ca_secret("grpc-2027", "istio-system", other_ca);
  cs = plan_tls(moved, simple);
  REQUIRE(cs.changes.size() == 3);
  CHECK_FALSE(cs.changes[0].object["data"].contains("ca.crt"));
  CHECK(cs.changes[1].object["metadata"]["name"] == "grpc-2027-cacert");
  CHECK(grpcmesh::manifest::base64_decode(cs.changes[1].object["data"]["ca.crt"].get<std::string>()) == ca_pem);

  // Moving to a Secret whose -cacert is not ours and holds another CA: refused too.
  o.secret_name = "grpc-2027";
  f.new_ca_secret = grpcmesh::manifest::ca_secret("grpc-2027", "istio-system", other_ca);
  f.new_ca_secret->at("metadata").erase("labels");
  CHECK(error_of([&] { plan_tls(o, f); }).rfind("Secret istio-system/grpc-2027-cacert holds the client CA", 0) == 0);
}

TEST_CASE("tls: a Gateway not made by us is never rewritten") {
  TlsFacts f = live_facts("theirs");
  f.gateway->erase("metadata");
  (*f.gateway)["metadata"] = {{"name", "legacy"}, {"namespace", "web"}};
  TlsOptions o = options();
  o.secret_name = "mine";
  CHECK(error_of([&] { plan_tls(o, f); }) ==
        "the HTTPS server of Gateway istio-system/grpc-example-com uses credentialName \"theirs\", and that Gateway was "
        "not created by kubectl-grpcmesh; pass --secret-name theirs to write that Secret instead");
}

TEST_CASE("tls: rotation reports old and new expiry and fingerprints") {
  TlsFacts f = live_facts();
  auto old = grpcmesh::tls::make_self_signed("grpc.example.com", kNow - std::chrono::hours(24 * 300));
  f.secret = grpcmesh::manifest::tls_secret({"grpc-example-com-tls", "istio-system", old.cert_pem, old.key_pem, ""});
  ChangeSet cs = plan_tls(options(), f);
  const std::string old_fp = grpcmesh::tls::inspect(old.cert_pem, "old")[0].sha256_fingerprint;
  REQUIRE(cs.notes.size() == 1);
  const auto fresh = grpcmesh::tls::inspect(fixture("grpc.example.com.crt"), "x")[0];
  CHECK(cs.notes[0] == "Rotated the certificate in Secret istio-system/grpc-example-com-tls: old expires " +
                           grpcmesh::tls::format_time(kNow + std::chrono::hours(24 * 65)) + ", SHA-256 " + old_fp +
                           "; new expires " + grpcmesh::tls::format_time(fresh.not_after) + ", SHA-256 " +
                           fresh.sha256_fingerprint);
}

TEST_CASE("tls: --remove releases only a Secret we created") {
  TlsOptions o = options();
  o.remove = true;
  TlsFacts f = live_facts();
  CHECK(plan_tls(o, f).changes.empty());
  f.secret = grpcmesh::manifest::tls_secret({"grpc-example-com-tls", "istio-system", "c", "k", ""});
  ChangeSet cs = plan_tls(o, f);
  REQUIRE(cs.changes.size() == 1);
  CHECK(cs.changes[0].kind == Change::Kind::Release);
  f.secret->at("metadata").erase("labels");
  CHECK(error_of([&] { plan_tls(o, f); }).rfind("Secret istio-system/grpc-example-com-tls was not created by", 0) == 0);
}

TEST_CASE("tls: --dry-run=client needs --gateway-namespace") {
  TlsOptions o = options();
  CHECK(error_of([&] { tls_facts_from_flags(o); }).find("pass --gateway-namespace") != std::string::npos);
  o.gateway_namespace = "istio-system";
  ChangeSet cs = plan_tls(o, tls_facts_from_flags(o));
  CHECK(planned_objects(cs) == planned_objects(plan_tls(options(), live_facts())));
}
