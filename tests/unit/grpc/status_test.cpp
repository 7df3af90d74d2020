#include "core/grpc/status.hpp"

#include <doctest/doctest.h>

namespace grpcmesh::grpc {

TEST_CASE("status code names as grpcurl prints them, and the canonical constants") {
  CHECK(code_name(0) == "OK");
  CHECK(code_name(1) == "Canceled");
  CHECK(code_name(5) == "NotFound");
  CHECK(code_name(16) == "Unauthenticated");
  CHECK(code_name(42) == "Code(42)");
  CHECK(code_constant(1) == "CANCELLED");
  CHECK(code_constant(14) == "UNAVAILABLE");
}

TEST_CASE("exit codes: 0 for OK, 64 + code otherwise (grpcurl)") {
  CHECK(exit_code_for(0) == 0);
  CHECK(exit_code_for(5) == 69);
  CHECK(exit_code_for(16) == 80);
}

TEST_CASE("HTTP status to gRPC code when grpc-status is absent (PROTOCOL-HTTP2.md)") {
  CHECK(code_for_http_status(400) == 13);
  CHECK(code_for_http_status(401) == 16);
  CHECK(code_for_http_status(403) == 7);
  CHECK(code_for_http_status(404) == 12);
  for (long s : {429L, 502L, 503L, 504L}) {
    CHECK(code_for_http_status(s) == 14);
  }
  CHECK(code_for_http_status(500) == 2);
  CHECK(code_for_http_status(415) == 2);
}

}  // namespace grpcmesh::grpc
