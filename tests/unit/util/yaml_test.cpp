#include "core/util/yaml.hpp"

#include <doctest/doctest.h>

#include "core/util/error.hpp"

using grpcmesh::yaml::dump;
using grpcmesh::yaml::parse;
using grpcmesh::yaml::parse_all;
using nlohmann::json;

TEST_CASE("yaml: scalars resolve like kubectl (YAML 1.1)") {
  json v = parse("a: yes\nb: off\nc: ~\nd: 42\ne: '42'\nf: 1.5\ng: 0x1F\nh: hello\ni: \"true\"\nj:\n");
  CHECK(v == json{{"a", true}, {"b", false}, {"c", nullptr}, {"d", 42}, {"e", "42"}, {"f", 1.5},
                  {"g", 31}, {"h", "hello"}, {"i", "true"}, {"j", nullptr}});
}

TEST_CASE("yaml: multi-document streams keep the start line and drop empty documents") {
  auto docs = parse_all("---\nkind: A\n---\n---\n# only a comment\nkind: B\n", "f.yaml");
  REQUIRE(docs.size() == 2);
  CHECK(docs[0].value == json{{"kind", "A"}});
  CHECK(docs[0].line == 2);
  CHECK(docs[1].value == json{{"kind", "B"}});
}

TEST_CASE("yaml: JSON input parses as YAML") {
  CHECK(parse(R"({"spec": {"ports": [{"port": 80}]}})") == json{{"spec", {{"ports", {{{"port", 80}}}}}}});
}

TEST_CASE("yaml: malformed input names the source and line") {
  try {
    parse_all("a: 1\nb: [1, 2\n", "bad.yaml");
    FAIL("expected an error");
  } catch (const grpcmesh::Error& e) {
    std::string msg = e.what();
    CHECK(msg.rfind("bad.yaml:", 0) == 0);
    CHECK(msg.find("invalid YAML") != std::string::npos);
  }
}

TEST_CASE("yaml: dump matches kubectl's layout") {
  json v = json::parse(R"({
    "apiVersion": "v1", "kind": "Service",
    "metadata": {"name": "echo", "labels": {}},
    "spec": {"ports": [{"name": "grpc", "port": 80, "appProtocol": "grpc"}], "selector": {"app": "echo"},
             "list": [["a"], []], "text": "line1\nline2\n"}
  })");
  CHECK(dump(v) ==
        "apiVersion: v1\n"
        "kind: Service\n"
        "metadata:\n"
        "  labels: {}\n"
        "  name: echo\n"
        "spec:\n"
        "  list:\n"
        "  - - a\n"
        "  - []\n"
        "  ports:\n"
        "  - appProtocol: grpc\n"
        "    name: grpc\n"
        "    port: 80\n"
        "  selector:\n"
        "    app: echo\n"
        "  text: |\n"
        "    line1\n"
        "    line2\n");
}

TEST_CASE("yaml: strings that would read back as something else are quoted") {
  CHECK(dump(json{{"a", "true"}, {"b", "0s"}, {"c", "1"}, {"d", ""}, {"e", "*"}, {"f", "a: b"}, {"g", "/x.Y/"}}) ==
        "a: 'true'\nb: 0s\nc: '1'\nd: ''\ne: '*'\nf: 'a: b'\ng: /x.Y/\n");
}

TEST_CASE("yaml: dump then parse round-trips") {
  json v = json::parse(R"({"a": ["x", {"b": "yes", "c": [1, 2.5, null, false]}], "d": "it's", "e": "tab\there",
                           "f": "multi\nline", "g": "-leading", "h": "- dash"})");
  CHECK(parse(dump(v)) == v);
}

TEST_CASE("yaml: a lone dot is a string, not a float") {
  const auto doc = grpcmesh::yaml::parse("to: .\nsign: -.\nf: .5\ninf: .inf\n");
  CHECK(doc["to"] == ".");
  CHECK(doc["sign"] == "-.");
  CHECK(doc["f"] == 0.5);
  CHECK(doc["inf"] == ".inf");
}

TEST_CASE("yaml: YAML 1.1 numbers resolve as go-yaml v2 does, anything else stays a string") {
  json v = parse(
      "dec: +12\nneg: -7\nunder: 1_000\noct: 017\noct2: 0o17\nbin: 0b101\nhex: 0xff\n"
      "f1: 1e3\nf2: -1.5E+2\nf3: 2.\nbig: 18446744073709551615\nhuge: 99999999999999999999\n"
      "s1: 08\ns2: 0x\ns3: 12abc\ns4: 1.2.3\ns5: -.inf\ns6: .NaN\ns7: 1e\ns8: '017'\ns9: !!str 42\ns10: ! 7\n");
  CHECK(v["dec"] == 12);
  CHECK(v["neg"] == -7);
  CHECK(v["under"] == 1000);
  CHECK(v["oct"] == 15);
  CHECK(v["oct2"] == 15);
  CHECK(v["bin"] == 5);
  CHECK(v["hex"] == 255);
  CHECK(v["f1"] == 1000.0);
  CHECK(v["f2"] == -150.0);
  CHECK(v["f3"] == 2.0);
  CHECK(v["big"] == 18446744073709551615ULL);
  CHECK(v["huge"] == "99999999999999999999");
  for (const char* s : {"s1", "s2", "s3", "s4", "s5", "s6", "s7"}) {
    INFO(s);
    CHECK(v[s].is_string());
  }
  CHECK(v["s8"] == "017");
  CHECK(v["s9"] == "42");
  CHECK(v["s10"] == "7");
}

TEST_CASE("yaml: block scalars are strings; anchors and aliases are expanded") {
  json v = parse(
      "text: |\n  line1\n  42\nfolded: >-\n  a\n  b\n"
      "base: &ports\n  - {name: grpc, port: 50051}\n"
      "copy: *ports\nlabel: &l yes\nagain: *l\n");
  CHECK(v["text"] == "line1\n42\n");
  CHECK(v["folded"] == "a b");
  CHECK(v["copy"] == v["base"]);
  CHECK(v["copy"][0]["port"] == 50051);
  CHECK(v["again"] == true);
}

TEST_CASE("yaml: events arrive depth first with each document's start line") {
  struct Recorder : grpcmesh::yaml::Handler {
    std::string log;
    void begin_document(int line) override { log += "doc@" + std::to_string(line) + " "; }
    void end_document() override { log += "end "; }
    void begin_object(int line) override { log += "{@" + std::to_string(line) + " "; }
    void key(std::string_view k) override { log += std::string(k) + ": "; }
    void end_object() override { log += "} "; }
    void begin_array() override { log += "[ "; }
    void end_array() override { log += "] "; }
    void null_value() override { log += "null "; }
    void boolean(bool b) override { log += b ? "true " : "false "; }
    void integer(std::int64_t i) override { log += std::to_string(i) + " "; }
    void unsigned_integer(std::uint64_t u) override { log += std::to_string(u) + "u "; }
    void number(double) override { log += "float "; }
    void string(std::string_view s) override { log += "'" + std::string(s) + "' "; }
  } r;
  grpcmesh::yaml::parse_events("# c\nkind: A\nports: [80, on]\n---\n- x\n---\n", "f.yaml", r);
  CHECK(r.log == "doc@2 {@2 kind: 'A' ports: [ 80 true ] } end doc@5 [ 'x' ] end doc@7 null end ");
}

TEST_CASE("yaml: keys that are not scalars and unknown aliases are errors naming the line") {
  CHECK_THROWS_WITH_AS(parse("a: 1\n? [x]\n: 2\n", "k.yaml"), "k.yaml:2: mapping keys must be strings",
                       grpcmesh::Error);
  CHECK_THROWS_WITH_AS(parse("a: *nope\n", "k.yaml"), doctest::Contains("k.yaml:1: invalid YAML: unknown anchor"),
                       grpcmesh::Error);
}

TEST_CASE("yaml: JSON documents among YAML ones keep their lines; YAML that merely starts like JSON stays YAML") {
  auto docs = parse_all(
      "# generated\n{\"kind\": \"A\", \"n\": 1e3, \"yes\": \"on\"}\n# trailing comment\n"
      "---\nkind: B\nflag: on\n"
      "---\n{kind: C, flag: on}\n"
      "--- # marker with a comment\n\n{\"kind\": \"D\", \"list\": [1, -2, true, null]}\n",
      "mixed.yaml");
  REQUIRE(docs.size() == 4);
  CHECK(docs[0].line == 2);
  CHECK(docs[0].value == json{{"kind", "A"}, {"n", 1000.0}, {"yes", "on"}});
  CHECK(docs[1].line == 5);
  CHECK(docs[1].value == json{{"kind", "B"}, {"flag", true}});
  CHECK(docs[2].line == 8);
  CHECK(docs[2].value == json{{"kind", "C"}, {"flag", true}});  // a YAML flow mapping: YAML 1.1 booleans apply
  CHECK(docs[3].line == 11);
  CHECK(docs[3].value == json{{"kind", "D"}, {"list", {1, -2, true, nullptr}}});
}

TEST_CASE("yaml: an error after a JSON document names the line in the whole file") {
  CHECK_THROWS_WITH_AS(parse_all("{\"kind\": \"A\"}\n---\nkind: B\nbad: [1, 2\n", "f.yaml"),
                       doctest::Contains("f.yaml:5:"), grpcmesh::Error);
  // JSON that is not valid JSON nor YAML
  CHECK_THROWS_WITH_AS(parse_all("---\n{\"kind\": \"A\"]\n", "g.yaml"), doctest::Contains("g.yaml:2:"),
                       grpcmesh::Error);
}

TEST_CASE("yaml: JSON documents read exactly as a JSON parser reads them") {
  for (const char* text : {
           R"({"s": "a\"b\\c\/d\b\f\n\r\t", "u": "\u00e9\u4e2d\ud83d\ude00", "raw": "é中😀"})",
           R"({"i": -0, "n": -9223372036854775808, "u": 18446744073709551615, "f": 1.5e-3, "g": 2E+2, "z": 0})",
           R"({"deep": [[[{"a": [true, false, null, {}]}]]], "empty": [], "o": {}})",
       }) {
    INFO(text);
    auto docs = parse_all(text, "j.json");
    REQUIRE(docs.size() == 1);
    CHECK(docs[0].value == json::parse(text));
  }
  // JSON with a problem is not read as JSON; YAML then says what is wrong.
  CHECK_THROWS_WITH_AS(parse_all("{\"a\": \"\\x\"}\n", "e.json"), doctest::Contains("e.json:1:"), grpcmesh::Error);
}

TEST_CASE("yaml: a JSON response that is not JSON is one error naming it") {
  struct Ignore : grpcmesh::yaml::Handler {
    void begin_document(int) override {}
    void end_document() override {}
    void begin_object(int) override {}
    void key(std::string_view) override {}
    void end_object() override {}
    void begin_array() override {}
    void end_array() override {}
    void null_value() override {}
    void boolean(bool) override {}
    void integer(std::int64_t) override {}
    void unsigned_integer(std::uint64_t) override {}
    void number(double) override {}
    void string(std::string_view) override {}
  } ignore;
  CHECK_THROWS_WITH_AS(grpcmesh::yaml::parse_json_events(R"({"items": [1, 2})", "the response", ignore),
                       "the response:1: invalid JSON: ',' or ']' expected (at byte 15)", grpcmesh::Error);
  CHECK_NOTHROW(grpcmesh::yaml::parse_json_events(R"({"items": [1, 2]})", "the response", ignore));
}
