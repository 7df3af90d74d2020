#include "core/check/certificate.hpp"

#include <doctest/doctest.h>

using namespace grpcmesh::check;

TEST_CASE("certificate: wildcard names cover exactly one label") {
  CHECK(dns_name_covers("grpc.example.com", "GRPC.example.com"));
  CHECK(dns_name_covers("*.example.com", "grpc.example.com"));
  CHECK_FALSE(dns_name_covers("*.example.com", "a.b.example.com"));
  CHECK_FALSE(dns_name_covers("*.example.com", "example.com"));
  CHECK_FALSE(dns_name_covers("api.example.com", "grpc.example.com"));
}

TEST_CASE("certificate: unusable secrets say why") {
  CHECK(read_tls_secret(nlohmann::json{{"data", {{"foo", "YmFy"}}}}).problem ==
        "it has no tls.crt and tls.key (or cert and key) entries");
  CHECK(read_tls_secret(nlohmann::json{{"data", {{"tls.crt", "!!!"}, {"tls.key", "YQ=="}}}}).problem ==
        "a data value is not valid base64");
  CHECK(read_tls_secret(nlohmann::json{{"stringData", {{"tls.crt", "hello"}, {"tls.key", "x"}}}}).problem ==
        "tls.crt is not a PEM certificate");
}
