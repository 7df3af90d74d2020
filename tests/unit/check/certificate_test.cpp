#include "core/check/certificate.hpp"

#include <doctest/doctest.h>

#include "core/kube/encoding.hpp"
#include "core/tls/self_signed.hpp"
#include "fixture_util.hpp"

using namespace grpcmesh::check;
using nlohmann::json;

namespace {

TlsCredential read(const json& secret) { return read_tls_secret(Tree(secret).root()); }

}  // namespace

TEST_CASE("certificate: a TLS secret is summarised by core/tls, without its key material") {
  auto pair = grpcmesh::tls::make_self_signed("grpc.example.com", check_test::fixture_now());
  using grpcmesh::kube::base64_encode;
  TlsCredential c = read(json{{"data",
                               {{"tls.crt", base64_encode(pair.cert_pem)},
                                {"tls.key", base64_encode(pair.key_pem)},
                                {"ca.crt", base64_encode(pair.ca_cert_pem)}}}});
  CHECK(c.problem.empty());
  REQUIRE(c.certificate.has_value());
  CHECK(c.certificate->dns_names == std::vector<std::string>{"grpc.example.com"});
  CHECK(c.key_matches);
  CHECK(c.has_ca);
  // stringData (plain) works too; another key does not match
  auto other = grpcmesh::tls::make_self_signed("other.example.com", check_test::fixture_now());
  TlsCredential mismatch = read(json{{"stringData", {{"tls.crt", pair.cert_pem}, {"tls.key", other.key_pem}}}});
  REQUIRE(mismatch.certificate.has_value());
  CHECK_FALSE(mismatch.key_matches);
  CHECK_FALSE(mismatch.has_ca);
}

TEST_CASE("certificate: unusable secrets say why") {
  CHECK(read(json{{"data", {{"foo", "YmFy"}, {"ca.crt", "YmFy"}}}}).problem ==
        "it has no tls.crt and tls.key (or cert and key) entries, only ca.crt, foo");
  CHECK(read(json{{"data", json::object()}}).problem ==
        "it has no entries; Istio reads tls.crt and tls.key (or cert and key)");
  CHECK(read(json{{"data", {{"tls.crt", ""}, {"tls.key", ""}}}}).problem == "its entries tls.crt and tls.key are empty");
  CHECK(read(json{{"data", {{"tls.crt", "!!!"}, {"tls.key", "YQ=="}}}}).problem == "a data value is not valid base64");
  CHECK(read(json{{"stringData", {{"tls.crt", "hello"}, {"tls.key", "x"}}}}).problem ==
        "tls.crt is not a PEM certificate");
  auto pair = grpcmesh::tls::make_self_signed("grpc.example.com", check_test::fixture_now());
  CHECK(read(json{{"stringData", {{"tls.crt", pair.cert_pem}, {"tls.key", "x"}}}}).problem ==
        "tls.key is not a PEM private key");
}

// Istio reads cert and key first when both have a value, then tls.crt and
// tls.key (pilot/pkg/credentials/kube/secrets.go ExtractCertInfo); a problem
// names the entries the Secret really has.
TEST_CASE("certificate: generic cert and key entries, in Istio's order, named in problems") {
  CHECK(read(json{{"stringData", {{"cert", "hello"}, {"key", "x"}}}}).problem == "cert is not a PEM certificate");
  auto pair = grpcmesh::tls::make_self_signed("grpc.example.com", check_test::fixture_now());
  CHECK(read(json{{"stringData", {{"cert", pair.cert_pem}, {"key", "x"}}}}).problem ==
        "key is not a PEM private key");
  // both pairs: cert and key win, even over a usable tls.crt/tls.key
  TlsCredential both = read(json{{"stringData",
                                   {{"cert", "hello"}, {"key", "x"}, {"tls.crt", pair.cert_pem}, {"tls.key", pair.key_pem}}}});
  CHECK(both.problem == "cert is not a PEM certificate");
  // an empty generic pair falls through to tls.crt/tls.key
  TlsCredential fallback =
      read(json{{"stringData", {{"cert", ""}, {"key", ""}, {"tls.crt", pair.cert_pem}, {"tls.key", pair.key_pem}}}});
  CHECK(fallback.problem.empty());
  CHECK(fallback.key_matches);
  TlsCredential generic = read(json{{"stringData", {{"cert", pair.cert_pem}, {"key", pair.key_pem}}}});
  CHECK(generic.problem.empty());
  REQUIRE(generic.certificate.has_value());
  CHECK(generic.certificate->dns_names == std::vector<std::string>{"grpc.example.com"});
}
