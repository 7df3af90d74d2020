#include "core/grpc/codec.hpp"

#include <doctest/doctest.h>

#include <sstream>

#include "core/grpc/schema.hpp"
#include "core/util/error.hpp"

namespace grpcmesh::grpc {
namespace {

const std::string kProtos = std::string(GRPCMESH_TESTDATA_DIR) + "/grpc/protos";

struct Fixture {
  std::unique_ptr<Schema> schema = proto_file_schema({"shapes/v1/shapes.proto"}, {kProtos});
  const google::protobuf::Descriptor& shape = *schema->find_message("shapes.v1.Shape");
  std::istringstream in;
};

Options with_data(std::optional<std::string> data) {
  Options o;
  o.data = std::move(data);
  return o;
}

}  // namespace

TEST_CASE("requests come from -d as a stream of JSON messages and print in grpcurl's layout") {
  Fixture f;
  Options o = with_data(R"({"name":"a","kind":"CIRCLE","radius":2,"big":"9007199254740993","tags":{"k":"1"}} {"name":"b"})");
  Codec codec(o, f.in);
  auto first = codec.next_request(f.shape);
  REQUIRE(first);
  CHECK(codec.print(*first) ==
        "{\n  \"name\": \"a\",\n  \"kind\": \"CIRCLE\",\n  \"tags\": {\n    \"k\": \"1\"\n  },\n  \"radius\": 2,\n"
        "  \"big\": \"9007199254740993\"\n}");
  auto second = codec.next_request(f.shape);
  REQUIRE(second);
  CHECK(codec.print(*second) == "{\n  \"name\": \"b\"\n}");
  CHECK(codec.next_request(f.shape) == nullptr);
}

TEST_CASE("'-d @' reads the requests from stdin") {
  Fixture f;
  f.in.str(R"({"name":"from-stdin"})");
  Options o = with_data("@");
  Codec codec(o, f.in);
  auto m = codec.next_request(f.shape);
  REQUIRE(m);
  CHECK(codec.print(*m) == "{\n  \"name\": \"from-stdin\"\n}");
}

TEST_CASE("bad request data: unknown fields and malformed JSON are errors, -allow-unknown-fields skips") {
  Fixture f;
  Options unknown = with_data(R"({"nme":"x"})");
  Codec strict(unknown, f.in);
  CHECK_THROWS_WITH_AS(strict.next_request(f.shape), doctest::Contains("error getting request data: nme"), Error);
  unknown.allow_unknown_fields = true;
  Codec lenient(unknown, f.in);
  CHECK(lenient.next_request(f.shape) != nullptr);
  Options bad = with_data(R"({"name": 5 6})");
  Codec malformed(bad, f.in);
  CHECK_THROWS_WITH_AS(malformed.next_request(f.shape), doctest::Contains("error getting request data"), Error);
}

TEST_CASE("-emit-defaults prints zero values, -format text reads and prints text format") {
  Fixture f;
  Options o = with_data("{}");
  o.emit_defaults = true;
  Codec codec(o, f.in);
  auto m = codec.next_request(f.shape);
  std::string printed = codec.print(*m);
  CHECK(printed.find("\"name\": \"\"") != std::string::npos);
  CHECK(printed.find("\"kind\": \"KIND_UNSPECIFIED\"") != std::string::npos);

  Options text = with_data("name: \"t\"\x1ename: \"u\"");
  text.format = "text";
  Codec tc(text, f.in);
  CHECK(tc.print(*tc.next_request(f.shape)) == "name: \"t\"");
  CHECK(tc.print(*tc.next_request(f.shape)) == "name: \"u\"");
}

}  // namespace grpcmesh::grpc
