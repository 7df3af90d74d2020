#include "core/kube/printer.hpp"

#include <doctest/doctest.h>

#include <sstream>

#include "core/util/error.hpp"
#include "core/util/yaml.hpp"

using namespace grpcmesh::kube;
using nlohmann::json;

TEST_CASE("printer: -o name uses kubectl's kind.group/name") {
  CHECK(name_ref(json{{"apiVersion", "v1"}, {"kind", "Service"}, {"metadata", {{"name", "x"}}}}) == "service/x");
  CHECK(name_ref(json{{"apiVersion", "networking.istio.io/v1"}, {"kind", "VirtualService"}, {"metadata", {{"name", "y"}}}}) ==
        "virtualservice.networking.istio.io/y");
  CHECK(name_ref(json{{"apiVersion", "apps/v1"}, {"kind", "Deployment"}, {"metadata", {{"name", "d"}}}}) ==
        "deployment.apps/d");
}

TEST_CASE("printer: managedFields are stripped unless asked") {
  json o = {{"apiVersion", "v1"}, {"kind", "ConfigMap"}, {"metadata", {{"name", "c"}, {"managedFields", json::array({1})}}}};
  CHECK_FALSE(prepare_for_output(o, {}).at("metadata").contains("managedFields"));
  PrintOptions keep;
  keep.show_managed_fields = true;
  CHECK(prepare_for_output(o, keep) == o);
}

TEST_CASE("printer: Secret values are redacted unless asked") {
  json s = {{"apiVersion", "v1"},
            {"kind", "Secret"},
            {"metadata",
             {{"name", "tls"},
              {"annotations", {{"kubectl.kubernetes.io/last-applied-configuration", "{\"data\":{\"tls.key\":\"c2VjcmV0\"}}"}}}}},
            {"data", {{"tls.key", "c2VjcmV0"}}},
            {"stringData", {{"password", "hunter2"}}}};
  json shown = prepare_for_output(s, {});
  CHECK(shown["data"] == json{{"tls.key", "REDACTED"}});
  CHECK(shown["stringData"] == json{{"password", "REDACTED"}});
  CHECK(shown.dump().find("c2VjcmV0") == std::string::npos);
  PrintOptions reveal;
  reveal.show_secret_data = true;
  CHECK(prepare_for_output(s, reveal)["data"]["tls.key"] == "c2VjcmV0");
}

TEST_CASE("printer: several objects are wrapped in a v1 List - one is printed as itself") {
  json a = {{"apiVersion", "v1"}, {"kind", "ConfigMap"}, {"metadata", {{"name", "a"}}}};
  json b = {{"apiVersion", "v1"}, {"kind", "ConfigMap"}, {"metadata", {{"name", "b"}}}};
  PrintOptions json_out;
  json_out.format = OutputFormat::Json;
  std::ostringstream one;
  print_objects(one, {a}, json_out);
  CHECK(json::parse(one.str()) == a);
  std::ostringstream two;
  print_objects(two, {a, b}, json_out);
  CHECK(json::parse(two.str()) == json{{"apiVersion", "v1"}, {"items", {a, b}}, {"kind", "List"},
                                       {"metadata", {{"resourceVersion", ""}}}});
  PrintOptions yaml_out;
  yaml_out.format = OutputFormat::Yaml;
  std::ostringstream y;
  print_objects(y, {a}, yaml_out);
  CHECK(y.str() == "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n");
}

TEST_CASE("printer: -o values") {
  CHECK(parse_output_format("") == OutputFormat::Default);
  CHECK(parse_output_format("yaml") == OutputFormat::Yaml);
  CHECK(parse_output_format("name") == OutputFormat::Name);
  CHECK_THROWS_AS(parse_output_format("wide"), grpcmesh::UsageError);
}

TEST_CASE("printer: streaming prints exactly what one whole List dump would") {
  std::vector<json> objects;
  for (int i = 0; i < 3; ++i) {
    objects.push_back({{"apiVersion", "v1"},
                       {"kind", "ConfigMap"},
                       {"metadata", {{"name", "c" + std::to_string(i)}, {"labels", {{"a", "1"}}}}},
                       {"data", {{"k", "v"}, {"list", json::array({1, 2})}}}});
  }
  json list = {{"apiVersion", "v1"}, {"items", objects}, {"kind", "List"}, {"metadata", {{"resourceVersion", ""}}}};
  json empty = {{"apiVersion", "v1"}, {"items", json::array()}, {"kind", "List"}, {"metadata", {{"resourceVersion", ""}}}};
  for (size_t n : {0, 1, 2, 3}) {
    CAPTURE(n);
    std::vector<json> some(objects.begin(), objects.begin() + static_cast<long>(n));
    json whole = n == 1 ? objects[0] : n == 0 ? empty : json(list);
    if (n == 2) {
      whole["items"] = some;
    }
    PrintOptions json_out;
    json_out.format = OutputFormat::Json;
    std::ostringstream j;
    print_objects(j, some, json_out);
    CHECK(j.str() == whole.dump(4) + "\n");
    PrintOptions yaml_out;
    yaml_out.format = OutputFormat::Yaml;
    std::ostringstream y;
    print_objects(y, some, yaml_out);
    CHECK(y.str() == grpcmesh::yaml::dump(whole));
  }
}
