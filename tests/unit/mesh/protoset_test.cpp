#include "core/mesh/protoset.hpp"

#include <doctest/doctest.h>

#include "core/util/files.hpp"
#include "tests/unit/mesh/fixtures.hpp"

using namespace grpcmesh::mesh;
using grpcmesh::testing::error_of;
using grpcmesh::testing::testdata_path;

TEST_CASE("protoset: the methods of a protoc descriptor set, with their streaming") {
  // tests/testdata/grpc/shapes.protoset: protoc --include_imports --descriptor_set_out of
  // tests/testdata/grpc/protos (shapes.v1.Shapes: Get unary, Watch server, Upload client, Chat bidi)
  const auto methods = read_protoset(testdata_path("grpc/shapes.protoset"), "--protoset");
  std::vector<std::string> seen;
  for (const auto& m : methods) {
    seen.push_back(m.full_name() + (m.client_streaming ? " client" : "") + (m.server_streaming ? " server" : ""));
  }
  CHECK(seen == std::vector<std::string>{"shapes.v1.Shapes/Get", "shapes.v1.Shapes/Watch server",
                                         "shapes.v1.Shapes/Upload client", "shapes.v1.Shapes/Chat client server"});
}

TEST_CASE("protoset: bytes that are not one are refused with one line") {
  const std::string bad = error_of([] { protoset_methods("not a protoset", "--protoset x.pb"); });
  CHECK(bad.rfind("--protoset x.pb is not a protoset (", 0) == 0);
  CHECK(bad.find("protoc --include_imports --descriptor_set_out=FILE") != std::string::npos);
  CHECK(bad.find('\n') == std::string::npos);
  CHECK(error_of([] { protoset_methods("", "--protoset empty.pb"); }) ==
        "--protoset empty.pb is not a protoset (no file descriptor in it); write one with protoc --include_imports "
        "--descriptor_set_out=FILE");
  // a length past the end
  CHECK(error_of([] { protoset_methods(std::string("\x0a\x05\x12", 3), "--protoset cut.pb"); })
            .find("a length runs past the end") != std::string::npos);
  CHECK(error_of([] { read_protoset("/nonexistent/x.pb", "--protoset"); }).rfind("cannot read --protoset", 0) == 0);
  // a real one is refused by nothing
  const auto text = grpcmesh::util::read_file(testdata_path("grpc/shapes.protoset"));
  REQUIRE(text.has_value());
  CHECK(protoset_methods(*text, "x").size() == 4);
}
