#include "core/grpc/transport.hpp"

#include <doctest/doctest.h>

namespace grpcmesh::grpc {

TEST_CASE("the address, the TLS name and :authority are independent") {
  Endpoint plain = endpoint_for(Target{"127.0.0.1:8080", true, "", ""});
  CHECK(plain.url_base == "http://127.0.0.1:8080");
  CHECK(plain.connect_to.empty());
  CHECK(plain.authority == "127.0.0.1:8080");  // as grpc-go: the address when nothing else is given

  Endpoint h2c = endpoint_for(Target{"127.0.0.1:8080", true, "api.example.com", ""});
  CHECK(h2c.url_base == "http://127.0.0.1:8080");
  CHECK(h2c.authority == "api.example.com");

  // TLS: the URL carries the TLS name (SNI and certificate check), the
  // connection goes to the address, :authority is sent as given.
  Endpoint tls = endpoint_for(Target{"10.0.0.7:443", false, "api.example.com", "grpc.example.com"});
  CHECK(tls.url_base == "https://grpc.example.com:443");
  CHECK(tls.connect_to == "grpc.example.com:443:10.0.0.7:443");
  CHECK(tls.authority == "api.example.com");

  // Without -servername the authority's host is the TLS name; without
  // -authority the TLS name is the authority (grpc-go does the same).
  Endpoint by_authority = endpoint_for(Target{"10.0.0.7:443", false, "api.example.com:443", ""});
  CHECK(by_authority.url_base == "https://api.example.com:443");
  CHECK(by_authority.authority == "api.example.com:443");
  Endpoint by_name = endpoint_for(Target{"10.0.0.7:443", false, "", "grpc.example.com"});
  CHECK(by_name.authority == "grpc.example.com");

  Endpoint v6 = endpoint_for(Target{"[::1]:9000", false, "", ""});
  CHECK(v6.url_base == "https://[::1]:9000");
  CHECK(v6.connect_to.empty());
}

TEST_CASE("metadata prints sorted, one per line, -bin values in base64") {
  CHECK(format_metadata({}) == "(empty)");
  CHECK(format_metadata({{"x-b", "2"}, {"a-bin", std::string("\x00\x01", 2)}, {"x-a", "1"}}) ==
        "a-bin: AAE=\nx-a: 1\nx-b: 2");
}

TEST_CASE("metadata printed with -v never shows credentials") {
  CHECK(format_metadata({{"authorization", "Bearer s3cret"}, {"cookie", "id=s3cret"}, {"x-user", "ana"}}) ==
        "authorization: <redacted>\ncookie: <redacted>\nx-user: ana");
}

}  // namespace grpcmesh::grpc
