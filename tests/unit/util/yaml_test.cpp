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
