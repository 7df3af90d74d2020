#include "core/kube/discovery.hpp"

#include <doctest/doctest.h>

#include "core/kube/encoding.hpp"
#include "core/util/files.hpp"

using namespace grpcmesh::kube;
using nlohmann::json;

namespace {

json fixture(const std::string& name) {
  auto body = grpcmesh::util::read_file(std::string(GRPCMESH_TESTDATA_DIR) + "/kube/" + name);
  REQUIRE(body);
  return json::parse(*body);
}

const DiscoveryGroup& group(const std::vector<DiscoveryGroup>& groups, const std::string& name) {
  for (const auto& g : groups) {
    if (g.name == name) {
      return g;
    }
  }
  FAIL("no group " << name);
  throw 0;
}

}  // namespace

TEST_CASE("discovery: aggregated APIGroupDiscoveryList from a real API server") {
  json body = fixture("discovery-aggregated-apis.json");
  REQUIRE(is_aggregated_discovery(body));
  auto groups = parse_aggregated_discovery(body);
  const DiscoveryGroup& istio = group(groups, "networking.istio.io");
  CHECK(istio.versions == std::vector<std::string>{"v1", "v1beta1", "v1alpha3"});  // preferred first
  CHECK(istio.resources_loaded);
  const auto& v1 = istio.resources.at("v1");
  auto vs = std::find_if(v1.begin(), v1.end(), [](const ApiResource& r) { return r.kind == "VirtualService"; });
  REQUIRE(vs != v1.end());
  CHECK(vs->resource == "virtualservices");
  CHECK(vs->namespaced);
  CHECK(vs->api_version() == "networking.istio.io/v1");
  const auto& alpha = istio.resources.at("v1alpha3");
  CHECK(std::any_of(alpha.begin(), alpha.end(), [](const ApiResource& r) { return r.kind == "EnvoyFilter"; }));
  const auto& v1only = istio.resources.at("v1");
  CHECK_FALSE(std::any_of(v1only.begin(), v1only.end(), [](const ApiResource& r) { return r.kind == "EnvoyFilter"; }));
  const DiscoveryGroup& gw = group(groups, "gateway.networking.k8s.io");
  const auto& gw1 = gw.resources.at("v1");
  CHECK(std::any_of(gw1.begin(), gw1.end(), [](const ApiResource& r) { return r.kind == "GRPCRoute"; }));
}

TEST_CASE("discovery: legacy APIGroupList puts the preferred version first") {
  json body = fixture("discovery-legacy-apis.json");
  CHECK_FALSE(is_aggregated_discovery(body));
  auto groups = parse_group_list(body);
  const DiscoveryGroup& istio = group(groups, "networking.istio.io");
  CHECK(istio.versions.front() == "v1");
  CHECK(istio.versions.size() == 3);
  CHECK_FALSE(istio.resources_loaded);
}

TEST_CASE("discovery: legacy APIResourceList drops subresources") {
  auto resources = parse_resource_list(fixture("discovery-legacy-networking-istio-io-v1.json"), "networking.istio.io", "v1");
  REQUIRE_FALSE(resources.empty());
  for (const auto& r : resources) {
    CHECK(r.resource.find('/') == std::string::npos);
    CHECK(r.group == "networking.istio.io");
  }
  auto gw = std::find_if(resources.begin(), resources.end(), [](const ApiResource& r) { return r.kind == "Gateway"; });
  REQUIRE(gw != resources.end());
  CHECK(gw->resource == "gateways");
}

TEST_CASE("discovery: core versions and cluster-scoped resources") {
  CHECK(parse_core_versions(json{{"kind", "APIVersions"}, {"versions", {"v1"}}}).versions ==
        std::vector<std::string>{"v1"});
  auto list = parse_resource_list(json::parse(R"({"resources":[
      {"name":"namespaces","kind":"Namespace","namespaced":false,"verbs":["get"]},
      {"name":"namespaces/status","kind":"Namespace","namespaced":false},
      {"name":"services","kind":"Service","namespaced":true}]})"),
                                  "", "v1");
  REQUIRE(list.size() == 2);
  CHECK_FALSE(list[0].namespaced);
  CHECK(list[0].path("ignored", "a") == "/api/v1/namespaces/a");
  CHECK(list[1].path("ns", "s") == "/api/v1/namespaces/ns/services/s");
  CHECK(list[1].path("") == "/api/v1/services");
}

TEST_CASE("resource: paths and names") {
  ApiResource vs{"networking.istio.io", "v1", "VirtualService", "virtualservices", true, {}};
  CHECK(vs.path("team", "a") == "/apis/networking.istio.io/v1/namespaces/team/virtualservices/a");
  CHECK(vs.path("") == "/apis/networking.istio.io/v1/virtualservices");
  CHECK(vs.qualified_resource() == "virtualservices.networking.istio.io");
  CHECK(split_api_version("v1") == std::pair<std::string, std::string>{"", "v1"});
  CHECK(split_api_version("networking.istio.io/v1beta1") ==
        std::pair<std::string, std::string>{"networking.istio.io", "v1beta1"});
}
