#include "core/grpc/json_stream.hpp"

#include <doctest/doctest.h>

#include <sstream>

#include "core/util/error.hpp"

namespace grpcmesh::grpc {

TEST_CASE("JsonStreamReader splits concatenated JSON objects like grpcurl's -d") {
  std::istringstream in(R"({"a":"}{"}  {"b":[1,{"c":2}]}
{"d":"\"q\""})");
  JsonStreamReader reader(in);
  CHECK(reader.next() == R"({"a":"}{"})");
  CHECK(reader.next() == R"({"b":[1,{"c":2}]})");
  CHECK(reader.next() == R"({"d":"\"q\""})");
  CHECK_FALSE(reader.next().has_value());
}

TEST_CASE("JsonStreamReader: empty input has no messages, a cut-off value is an error") {
  std::istringstream empty("  \n ");
  CHECK_FALSE(JsonStreamReader(empty).next().has_value());
  std::istringstream cut(R"({"name": "x")");
  JsonStreamReader reader(cut);
  CHECK_THROWS_AS(reader.next(), Error);
}

TEST_CASE("JsonStreamReader hands a non-object token to the JSON parser as is") {
  std::istringstream in("nope {}");
  JsonStreamReader reader(in);
  CHECK(reader.next() == "nope");
  CHECK(reader.next() == "{}");
}

TEST_CASE("TextStreamReader splits on the record separator") {
  std::istringstream in("name: \"a\"\x1ename: \"b\"\n");
  TextStreamReader reader(in);
  CHECK(reader.next() == "name: \"a\"");
  CHECK(reader.next() == "name: \"b\"\n");
  CHECK_FALSE(reader.next().has_value());
}

TEST_CASE("indent_json prints grpcurl's layout and keeps values byte for byte") {
  CHECK(indent_json(R"({"message":"Hello x"})") == "{\n  \"message\": \"Hello x\"\n}");
  CHECK(indent_json("{}") == "{}");
  CHECK(indent_json(R"({"a":[],"b":{},"c":[1,2.50,"x,y:{z}"],"d":{"e":"1e+20"}})") ==
        "{\n  \"a\": [],\n  \"b\": {},\n  \"c\": [\n    1,\n    2.50,\n    \"x,y:{z}\"\n  ],\n"
        "  \"d\": {\n    \"e\": \"1e+20\"\n  }\n}");
  CHECK(indent_json(R"({"q":"a\"b"})") == "{\n  \"q\": \"a\\\"b\"\n}");
}

}  // namespace grpcmesh::grpc
