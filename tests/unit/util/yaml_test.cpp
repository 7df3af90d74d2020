#include "core/util/yaml.hpp"

#include <doctest/doctest.h>
#include <fmt/format.h>

#include <chrono>
#include <string>

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
  const auto doc = grpcmesh::yaml::parse("to: .\nsign: -.\nf: .5\ninf: '.inf'\n");
  CHECK(doc["to"] == ".");
  CHECK(doc["sign"] == "-.");
  CHECK(doc["f"] == 0.5);
  CHECK(doc["inf"] == ".inf");
}

TEST_CASE("yaml: YAML 1.1 numbers resolve as go-yaml v2 does, anything else stays a string") {
  json v = parse(
      "dec: +12\nneg: -7\nunder: 1_000\noct: 017\noct2: 0o17\nbin: 0b101\nhex: 0xff\n"
      "f1: 1e3\nf2: -1.5E+2\nf3: 2.\nbig: 18446744073709551615\nhuge: 99999999999999999999\n"
      "s1: 08\ns2: 0x\ns3: 12abc\ns4: 1.2.3\ns7: 1e\ns8: '017'\ns9: !!str 42\ns10: ! 7\n");
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
  // Beyond 64 bits: a float64 (ParseInt and ParseUint fail, yamlStyleFloat matches).
  CHECK(v["big"] == 18446744073709551615.0);
  CHECK(v["big"].is_number_float());
  CHECK(v["huge"] == 1e20);
  // Not octal: yamlStyleFloat reads it as 8.0, which JSON brings back as 8.
  CHECK(v["s1"] == 8);
  for (const char* s : {"s2", "s3", "s4", "s7"}) {
    INFO(s);
    CHECK(v[s].is_string());
  }
  CHECK(v["s8"] == "017");
  CHECK(v["s9"] == "42");
  CHECK(v["s10"] == "7");
}

TEST_CASE("yaml: block scalars are strings, anchors and aliases are expanded") {
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
  CHECK_THROWS_WITH_AS(parse("a: 1\n? [x]\n: 2\n", "k.yaml"),
                       "k.yaml:2: a mapping key must be a scalar, not a mapping or sequence", grpcmesh::Error);
  CHECK_THROWS_WITH_AS(parse("a: *nope\n", "k.yaml"), doctest::Contains("k.yaml:1: invalid YAML: unknown anchor"),
                       grpcmesh::Error);
}

TEST_CASE("yaml: JSON documents among YAML ones keep their lines, YAML that merely starts like JSON stays YAML") {
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

// --- limits and scalars as kubectl reads them ----------------------------------
//
// The expected values and errors below are what kubectl's reader gives: go-yaml
// v2 (go.yaml.in/yaml/v2 v2.4.4) through sigs.k8s.io/yaml v1.6.0's YAMLToJSON
// and k8s.io/apimachinery/pkg/util/json.

namespace {

std::string error_of(const std::string& text, const std::string& source = "f.yaml") {
  try {
    parse_all(text, source);
  } catch (const grpcmesh::Error& e) {
    return e.what();
  }
  return "";
}

std::string repeat(std::string_view s, size_t n) {
  std::string out;
  out.reserve(s.size() * n);
  for (size_t i = 0; i < n; ++i) {
    out += s;
  }
  return out;
}

// `levels` anchors, each a list of `width` aliases of the one before.
std::string laughs(int levels, int width) {
  std::string s = "l0: &l0 [x" + repeat(",x", static_cast<size_t>(width - 1)) + "]\n";
  for (int i = 1; i < levels; ++i) {
    std::string alias = "*l" + std::to_string(i - 1);
    s += "l" + std::to_string(i) + ": &l" + std::to_string(i) + " [" + alias +
         repeat("," + alias, static_cast<size_t>(width - 1)) + "]\n";
  }
  return s;
}

}  // namespace

TEST_CASE("yaml: nesting up to 10000 levels is read, one more is refused naming the file, line and limit") {
  // YAML flow: 1 (the mapping) + 9999 sequences is the limit.
  CHECK_NOTHROW(parse_all("a: " + repeat("[", 9999) + repeat("]", 9999) + "\n", "f.yaml"));
  CHECK(error_of("a: " + repeat("[", 10000) + repeat("]", 10000) + "\n") ==
        "f.yaml:1: nested more than 10000 levels deep (kubectl's limit); flatten the document");
  // YAML block sequences.
  CHECK_NOTHROW(parse_all(repeat("- ", 10000) + "x\n"));
  CHECK(error_of(repeat("- ", 10001) + "x\n").starts_with("f.yaml:1: nested more than 10000 levels deep"));
  // JSON, read by the JSON reader (an object) and by libyaml (an array).
  CHECK_NOTHROW(parse_all("{\"a\": " + repeat("[", 9999) + repeat("]", 9999) + "}"));
  CHECK(error_of("{\"a\": " + repeat("[", 10000) + repeat("]", 10000) + "}").starts_with(
      "f.yaml:1: nested more than 10000 levels deep"));
  // The line is the one where the limit is crossed.
  CHECK(error_of("kind: A\n---\nx:\n  y: [\n" + repeat("[\n", 10005)).starts_with("f.yaml:10002: nested more"));
  // Brackets inside quoted scalars and comments are text.
  std::string quoted = "a: [\"" + repeat("[", 20000) + "\", '" + repeat("{", 20000) + "', # " + repeat("[", 20000) +
                       "\n b]\n";
  auto docs = parse_all(quoted);
  REQUIRE(docs.size() == 1);
  CHECK(docs[0].value["a"].size() == 3);
}

TEST_CASE("yaml: the depth bombs are refused at once") {
  using clock = std::chrono::steady_clock;
  for (const std::string& bomb : {repeat("[", 100000), "{\"a\": " + repeat("[", 100000), repeat("- ", 100000),
                                  "a: " + repeat("{a: ", 100000)}) {
    auto start = clock::now();
    CHECK(error_of(bomb).find("nested more than 10000 levels deep") != std::string::npos);
    // Generous for a loaded machine: the scan is linear (about 1 ms here).
    CHECK(clock::now() - start < std::chrono::seconds(1));
  }
}

TEST_CASE("yaml: alias expansion is bounded as go-yaml bounds it") {
  // Accepted and refused exactly where kubectl accepts and refuses.
  CHECK_NOTHROW(parse_all(laughs(3, 9)));
  CHECK_NOTHROW(parse_all(laughs(4, 5)));
  CHECK_NOTHROW(parse_all(laughs(6, 3)));
  CHECK(error_of(laughs(5, 5)).find("document contains excessive aliasing") != std::string::npos);
  std::string billion = laughs(9, 9);  // the billion laughs
  auto start = std::chrono::steady_clock::now();
  std::string err = error_of(billion);
  CHECK(err.starts_with("f.yaml:"));
  CHECK(err.find("(kubectl's limit: \"document contains excessive aliasing\")") != std::string::npos);
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(1));
  // What an alias stands for is read in full.
  json v = parse("a: &a {x: [1, 2]}\nb: *a\nc: [*a, *a]\n");
  CHECK(v["c"] == json::array({{{"x", {1, 2}}}, {{"x", {1, 2}}}}));
  CHECK(error_of("a: &a x\nb: &a [*a]\n").find("anchor 'a' value contains itself") != std::string::npos);
}

TEST_CASE("yaml: plain scalars resolve as go-yaml v2 resolves them") {
  struct Case {
    const char* text;
    json want;
  };
  for (const Case& c : std::initializer_list<Case>{
           {"0X1F", 31}, {"0x_1F", 31}, {"0O17", 15}, {"0o17", 15}, {"017", 15}, {"0B101", 5}, {"0b101", 5},
           {"-0b11", -3}, {"0b-101", -5}, {"+12", 12}, {"1_000", 1000}, {"08", 8}, {"0.1e+5", 10000}, {"1.0", 1},
           {"1e-400", 0}, {".5", 0.5}, {"1__0.5", 10.5},
           {"18446744073709551615", 18446744073709551615.0},  // beyond int64: a float64
           {"123456789012345678901234", 1.2345678901234569e+23}, {"-9223372036854775809", -9223372036854775808.0},
           {"0o", "0o"}, {"._5", "._5"}, {"1e400", "1e400"}, {"0x1FFFFFFFFFFFFFFFFF", "0x1FFFFFFFFFFFFFFFFF"},
           {"2001-12-14", "2001-12-14"}, {".", "."}, {"Yes", true}, {"OFF", false}, {"Null", nullptr},
           {"<<", "<<"}}) {
    CAPTURE(c.text);
    json v = parse(std::string("a: ") + c.text + "\n");
    CHECK(v["a"] == c.want);
    CHECK(v["a"].type() == c.want.type());
  }
  for (const char* bad : {".inf", "-.Inf", "+.INF", ".nan"}) {
    CAPTURE(bad);
    CHECK(error_of(std::string("x: 1\na: ") + bad + "\n") ==
          fmt::format("f.yaml:2: `{}` is not a number JSON can hold (kubectl: \"json: unsupported value\"); quote "
                      "it to keep the text",
                      bad));
  }
  CHECK(parse("a: '.inf'\n")["a"] == ".inf");
}

TEST_CASE("yaml: tags are read as go-yaml reads them") {
  CHECK(parse("a: !!binary aGVsbG8=\n")["a"] == "hello");
  CHECK(parse("a: !!binary |\n  aGVs\n  bG8=\n")["a"] == "hello");
  CHECK(parse("a: !!int \"12\"\n")["a"] == 12);
  CHECK(parse("a: !!float 12\n")["a"] == 12);
  CHECK(parse("a: !!bool yes\n")["a"] == true);
  CHECK(parse("a: !!str 12\n")["a"] == "12");
  CHECK(parse("a: !foo 12\n")["a"] == "12");
  CHECK(parse("a: ! 12\n")["a"] == "12");
  CHECK(parse("a: !!map 12\n")["a"] == "12");
  CHECK(parse("a: !<tag:yaml.org,2002:int> 0x10\n")["a"] == 16);
  CHECK(error_of("a: !!int 1.5\n") ==
        "f.yaml:1: cannot decode !!float `1.5` as a !!int; remove the tag or change the value");
  CHECK(error_of("a: !!null x\n").starts_with("f.yaml:1: cannot decode !!str `x` as a !!null"));
  CHECK(error_of("a: !!float 18446744073709551615\n").starts_with("f.yaml:1: cannot decode !!int"));
  CHECK(error_of("a: !!binary \"###\"\n") ==
        "f.yaml:1: !!binary value contains invalid base64 data; give standard, padded base64");
  CHECK(error_of("a: !!binary aGVsbG8\n").find("invalid base64") != std::string::npos);
}

TEST_CASE("yaml: !!binary bytes that are not UTF-8 become U+FFFD, as Go's encoding/json writes them") {
  // 8GVbsGa= is f0 65 5b b0 66 (a cut 4-byte sequence, then a stray
  // continuation byte): nlohmann::json refused to print the raw bytes.
  json v = parse("a: !!binary 8GVbsGa=\n");
  CHECK(v["a"] == "\xEF\xBF\xBD" "e[" "\xEF\xBF\xBD" "f");
  CHECK(v.dump() == "{\"a\":\"\xEF\xBF\xBD" "e[" "\xEF\xBF\xBD" "f\"}");
  // Valid sequences of each width are kept; an overlong form (c0 af), a
  // surrogate (ed a0 80) and a code point past U+10FFFF (f4 90 80 80) are
  // replaced byte by byte.
  CHECK(parse("a: !!binary w6nigqzwn5iA\n")["a"] == "\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80");
  CHECK(parse("a: !!binary wK8=\n")["a"] == "\xEF\xBF\xBD\xEF\xBF\xBD");
  CHECK(parse("a: !!binary 7aCA\n")["a"] == "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
  CHECK(parse("a: !!binary 9JCAgA==\n")["a"] ==
        "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
  // As a key too.
  CHECK(parse("? !!binary /w==\n: 1\n").contains("\xEF\xBF\xBD"));
}

TEST_CASE("yaml: a manifest's invalid UTF-8 reads as kubectl reads a file") {
  const std::string r = "\xEF\xBF\xBD";  // U+FFFD
  auto one = [](const std::string& text) {
    auto docs = parse_all(text, "f.yaml");
    REQUIRE(docs.size() == 1);
    return docs.front().value;
  };
  // x/text's UTF-8 decoder, before any reader: one U+FFFD for each maximal
  // subpart (a cut sequence is one), in JSON and YAML alike, keys included.
  // The JSON reader kept these bytes raw, and printing them threw.
  json v = one("{\"a\": \"x\xE2\x82y\", \"b\": \"\xED\xA0\x80\", \"c\xFF\": \"\xF0\x9F\x98\"}");
  CHECK(v == json{{"a", "x" + r + "y"}, {"b", r + r + r}, {"c" + r, r}});
  CHECK_NOTHROW((void)v.dump());
  CHECK(one("a: \xE0\x80\xAF\nb: '\xF4\x90\x80\x80'\n") == json{{"a", r + r + r}, {"b", r + r + r + r}});
  // After a UTF-8 byte order mark kubectl leaves the bytes alone: a JSON
  // string reads each one as Go's encoding/json does, YAML refuses them.
  CHECK(one("\xEF\xBB\xBF{\"a\": \"x\xE2\x82y\"}") == json{{"a", "x" + r + r + "y"}});
  // The error names the line and column of the byte (libyaml's reader gives only its offset).
  CHECK(error_of("\xEF\xBB\xBF" "a: 1\nb: x\xE2\x82y\n") == "f.yaml:2:7: invalid YAML: invalid trailing UTF-8 octet");
  // An unpaired surrogate escape: U+FFFD in JSON, the next escape read on its own.
  CHECK(one(R"({"a": "\ud800\u0041", "b": "\udc00", "c": "\ud800\ud83d\ude00"})") ==
        json{{"a", r + "A"}, {"b", r}, {"c", r + "\xF0\x9F\x98\x80"}});
  CHECK(error_of("a: \"\\ud800\"\n").find("invalid Unicode character escape code") != std::string::npos);
}

TEST_CASE("yaml: parse reads as sigs.k8s.io/yaml does and refuses invalid UTF-8, even in JSON") {
  // A kubeconfig or a mesh config: kubectl says
  // `yaml: invalid trailing UTF-8 octet` for the first.
  // The JSON reader took a surrogate's bytes (ed a0 80) as UTF-8.
  for (const std::string& text : {std::string("{\"a\": \"x\xE2\x82y\"}"), std::string("{\"a\": \"\xED\xA0\x80\"}"),
                                 std::string("a: \xFF\n"), std::string(R"({"a": "\ud800"})")}) {
    CAPTURE(text);
    std::string error;
    try {
      (void)parse(text, "kubeconfig");
    } catch (const grpcmesh::Error& e) {
      error = e.what();
    }
    CHECK(error.starts_with("kubeconfig:1:"));
  }
}

TEST_CASE("yaml: mapping keys become strings as sigs.k8s.io/yaml makes them") {
  json v = parse("yes: 1\n0x10: 2\n1e3: 3\n1.0: 4\n0.1: 5\n123456789012345678901234: 6\n.inf: 7\n1e6: 8\n"
                 "'null': 9\n-0.00001: 10\nn: 11\n");
  CHECK(v == json{{"true", 1}, {"16", 2}, {"1000", 3}, {"1", 4}, {"0.1", 5}, {"1.2345679e+23", 6}, {".inf", 7},
                  {"1e+06", 8}, {"null", 9}, {"-1e-05", 10}, {"false", 11}});
  CHECK(error_of("a: 1\n~: 1\n") ==
        "f.yaml:2: the key `~` is null, which kubectl cannot use as a field name; quote it");
  CHECK(error_of("null: 1\n").starts_with("f.yaml:1: the key `null` is null"));
  CHECK(error_of("18446744073709551615: a\n").find("beyond 64 bits") != std::string::npos);
  CHECK(error_of("[a]: 1\n").find("a mapping key must be a scalar") != std::string::npos);
}

TEST_CASE("yaml: merge keys (<<) merge as go-yaml v2 merges them") {
  // Entries are set in order: the merge replaces b: 0, c: 3 comes after.
  CHECK(parse("b: &b {a: 1, b: 2}\nm:\n  b: 0\n  <<: *b\n  c: 3\n")["m"] == json{{"a", 1}, {"b", 2}, {"c", 3}});
  // From a list, earlier maps win.
  CHECK(parse("x: &x {a: 1}\nz: &z {a: 2, b: 2}\nm:\n  <<: [*x, *z]\n  c: 3\n")["m"] ==
        json{{"a", 1}, {"b", 2}, {"c", 3}});
  CHECK(parse("m:\n  <<: [{a: 1}, {a: 2, b: 2}]\n")["m"] == json{{"a", 1}, {"b", 2}});
  CHECK(parse("a: &a {x: 1}\nm: {<<: {<<: *a, z: 2}}\n")["m"] == json{{"x", 1}, {"z", 2}});
  CHECK(parse("m: {<<: []}\n")["m"] == json::object());
  CHECK(parse("m: {\"<<\": 1}\n")["m"] == json{{"<<", 1}});  // quoted: an ordinary key
  // An anchored map with a merge keeps it when aliased.
  CHECK(parse("a: &a {x: 1}\nb: &b {<<: *a, w: 2}\nc: *b\n")["c"] == json{{"x", 1}, {"w", 2}});
  for (const char* bad : {"m: {<<: 1}\n", "s: &s [1]\nm: {<<: *s}\n", "m: {<<: [[1]]}\n", "m: {<<: [{a: 1}, 2]}\n"}) {
    CAPTURE(bad);
    CHECK(error_of(bad).find("map merge requires map or sequence of maps as the value") != std::string::npos);
  }
}

TEST_CASE("yaml: what libyaml reads and go-yaml does not is refused, as kubectl refuses it") {
  CHECK(error_of("a: \"x\\/y\"\n").starts_with("f.yaml:1: found unknown escape character \\/"));
  CHECK(parse("a: \"x\\\\/y\"\n")["a"] == "x\\/y");  // an escaped backslash, then '/'
  CHECK(error_of("a: [b?c]\n").starts_with("f.yaml:1: a '?' inside a plain scalar in a flow collection"));
  CHECK(parse("a: b?c\nd: ['b?c']\n") == json{{"a", "b?c"}, {"d", {"b?c"}}});
}
