#include "core/grpc/base64.hpp"

#include <doctest/doctest.h>

namespace grpcmesh::grpc {

TEST_CASE("base64 encodes with padding and round-trips binary bytes") {
  CHECK(base64_encode("") == "");
  CHECK(base64_encode("f") == "Zg==");
  CHECK(base64_encode("fo") == "Zm8=");
  CHECK(base64_encode("foo") == "Zm9v");
  std::string bytes("\x00\x80\xff\x10", 4);
  CHECK(base64_decode(base64_encode(bytes)) == bytes);
}

TEST_CASE("base64 decodes concatenated padded chunks (gRPC-Web text) and rejects junk") {
  CHECK(base64_decode("Zg==Zm8=") == "ffo");
  CHECK(base64_decode("Zm9v") == "foo");
  CHECK_FALSE(base64_decode("Zm9v!").has_value());
}

}  // namespace grpcmesh::grpc
