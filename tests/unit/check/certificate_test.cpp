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
  CHECK(read(json{{"data", {{"foo", "YmFy"}}}}).problem == "it has no tls.crt and tls.key (or cert and key) entries");
  CHECK(read(json{{"data", {{"tls.crt", "!!!"}, {"tls.key", "YQ=="}}}}).problem == "a data value is not valid base64");
  CHECK(read(json{{"stringData", {{"tls.crt", "hello"}, {"tls.key", "x"}}}}).problem ==
        "tls.crt is not a PEM certificate");
  auto pair = grpcmesh::tls::make_self_signed("grpc.example.com", check_test::fixture_now());
  CHECK(read(json{{"stringData", {{"tls.crt", pair.cert_pem}, {"tls.key", "x"}}}}).problem ==
        "tls.key is not a PEM private key");
}
