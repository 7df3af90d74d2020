#include "core/grpc/schema.hpp"

#include <doctest/doctest.h>

#include <fstream>
#include <functional>
#include <sstream>

#include "core/util/error.hpp"

namespace grpcmesh::grpc {
namespace {

const std::string kData = std::string(GRPCMESH_TESTDATA_DIR) + "/grpc";

std::string golden(const std::string& symbol) {
  std::ifstream in(kData + "/describe/" + symbol + ".txt");
  REQUIRE_MESSAGE(in, "missing golden file for ", symbol);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::unique_ptr<Schema> shapes() { return proto_file_schema({"shapes/v1/shapes.proto"}, {kData + "/protos"}); }

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

// The golden files are real grpcurl's `describe` output for the same proto.
TEST_CASE("describe prints each kind of symbol exactly as grpcurl does") {
  auto schema = shapes();
  for (const char* symbol : {"shapes.v1.Shapes", "shapes.v1.Shape", "shapes.v1.Shape.Kind", "shapes.v1.Color",
                             "shapes.v1.Shapes.Watch", "shapes.v1.Shape.Point"}) {
    CAPTURE(symbol);
    CHECK(schema->describe(symbol) == golden(symbol));
  }
  CHECK(schema->describe("shapes.v1.Shape.radius") == "shapes.v1.Shape.radius is a field:\ndouble radius = 5;\n");
  CHECK(schema->describe("shapes.v1.Shape.Kind.CIRCLE") == "shapes.v1.Shape.Kind.CIRCLE is an enum value:\nCIRCLE = 1;\n");
  CHECK(schema->describe("shapes.v1.Nope").empty());
}

TEST_CASE("-proto and -protoset schemas list the services of the named files") {
  CHECK(shapes()->list_services() == std::vector<std::string>{"shapes.v1.Shapes"});
  auto set = protoset_schema({kData + "/shapes.protoset"});
  CHECK(set->list_services() == std::vector<std::string>{"shapes.v1.Shapes"});
  CHECK(set->describe("shapes.v1.Shape") == golden("shapes.v1.Shape"));
}

TEST_CASE("find_method accepts Service/Method and Service.Method and says what is missing") {
  auto schema = shapes();
  CHECK(schema->find_method("shapes.v1.Shapes/Watch")->server_streaming());
  CHECK(schema->find_method("shapes.v1.Shapes.Chat")->client_streaming());
  CHECK(error_of([&] { schema->find_method("shapes.v1.Nope/Get"); }) ==
        "target server does not expose service \"shapes.v1.Nope\" (see 'list' for the services it has)");
  CHECK(error_of([&] { schema->find_method("shapes.v1.Shapes/Nope"); }) ==
        "service \"shapes.v1.Shapes\" does not include a method named \"Nope\" (see 'list shapes.v1.Shapes')");
  CHECK_THROWS_AS(schema->find_method("NoSeparator"), UsageError);
}

TEST_CASE("unreadable or malformed schema files are one-line errors") {
  CHECK(error_of([] { proto_file_schema({"missing.proto"}, {kData + "/protos"}); }).find("could not parse -proto missing.proto") == 0);
  CHECK(error_of([] { protoset_schema({kData + "/nope.protoset"}); }) ==
        "could not read -protoset " + kData + "/nope.protoset: no such file or not readable");
  CHECK(error_of([] { protoset_schema({kData + "/protos/shapes/v1/common.proto"}); }).find("could not parse -protoset") == 0);
}

}  // namespace grpcmesh::grpc
