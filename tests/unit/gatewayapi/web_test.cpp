#include "core/gatewayapi/web.hpp"

#include <doctest/doctest.h>

#include "core/util/error.hpp"
#include "tests/unit/mesh/fixtures.hpp"

using namespace grpcmesh::gatewayapi;
using grpcmesh::mesh::Change;
using grpcmesh::mesh::ChangeSet;
using grpcmesh::testing::error_of;

namespace {

WebOptions options() {
  WebOptions o;
  o.host = "grpc.example.com";
  o.cors.origins = {"https://app.example.com"};
  o.cors.origin_regexes = {"https://.*\\.example\\.com"};
  o.cors.extra_headers = {"Authorization"};
  return o;
}

WebFacts live() {
  WebFacts f;
  f.known = true;
  f.gateway_namespace = "istio-ingress";
  f.gateway_name = "grpc-example-com";
  return f;
}

}  // namespace

TEST_CASE("gateway-api web: grpc_web for the Gateway's pods, CORS on the host's virtual hosts") {
  const ChangeSet cs = plan_web(options(), live());
  REQUIRE(cs.changes.size() == 2);
  const auto& web = cs.changes[0].object;
  CHECK(web["kind"] == "EnvoyFilter");
  CHECK(web["metadata"]["name"] == "grpc-web-grpc-example-com");
  CHECK(web["metadata"]["namespace"] == "istio-ingress");
  CHECK(web["spec"]["workloadSelector"]["labels"] ==
        nlohmann::json{{"gateway.networking.k8s.io/gateway-name", "grpc-example-com"}});
  CHECK(web["spec"]["configPatches"][0]["patch"]["value"]["name"] == "envoy.filters.http.grpc_web");
  CHECK(web["spec"]["configPatches"][0]["patch"]["operation"] == "INSERT_FIRST");

  const auto& cors = cs.changes[1].object;
  CHECK(cors["metadata"]["name"] == "grpc-example-com-cors");
  CHECK(cors["metadata"]["namespace"] == "istio-ingress");
  CHECK(cors["spec"]["workloadSelector"] == web["spec"]["workloadSelector"]);
  const auto& patch = cors["spec"]["configPatches"][0];
  CHECK(patch["applyTo"] == "VIRTUAL_HOST");
  CHECK(patch["match"]["context"] == "GATEWAY");
  CHECK(patch["match"]["routeConfiguration"]["vhost"]["domainName"] == "grpc.example.com");
  CHECK(patch["patch"]["operation"] == "MERGE");
  const auto& policy = patch["patch"]["value"]["typed_per_filter_config"]["envoy.filters.http.cors"];
  CHECK(policy["@type"] == "type.googleapis.com/envoy.extensions.filters.http.cors.v3.CorsPolicy");
  CHECK(policy["allow_origin_string_match"] ==
        nlohmann::json::parse(R"([{"exact":"https://app.example.com"},{"safe_regex":{"regex":"https://.*\\.example\\.com"}}])"));
  CHECK(policy["allow_methods"] == "POST,OPTIONS");
  CHECK(policy["allow_headers"] == "content-type,x-grpc-web,x-user-agent,grpc-timeout,authorization");
  CHECK(policy["expose_headers"] == "grpc-status,grpc-message,grpc-status-details-bin");
  CHECK(policy["max_age"] == "86400");
  CHECK_FALSE(policy.contains("allow_credentials"));
}

TEST_CASE("gateway-api web: credentials and max age") {
  WebOptions o = options();
  o.cors.allow_credentials = true;
  o.cors.max_age = "10m";
  const auto policy = plan_web(o, live())
                          .changes.at(1)
                          .object["spec"]["configPatches"][0]["patch"]["value"]["typed_per_filter_config"]
                                 ["envoy.filters.http.cors"];
  CHECK(policy["allow_credentials"] == true);
  CHECK(policy["max_age"] == "600");
}

TEST_CASE("gateway-api web: a grpc_web filter of someone else's for the pods is kept, not doubled") {
  WebFacts f = live();
  f.envoy_filters.push_back(nlohmann::json::parse(R"({
    "apiVersion": "networking.istio.io/v1alpha3", "kind": "EnvoyFilter",
    "metadata": {"name": "team-grpc-web", "namespace": "istio-ingress"},
    "spec": {"workloadSelector": {"labels": {"gateway.networking.k8s.io/gateway-name": "grpc-example-com"}},
             "configPatches": [{"applyTo": "HTTP_FILTER", "patch": {"operation": "INSERT_BEFORE",
               "value": {"name": "envoy.filters.http.grpc_web"}}}]}})"));
  const ChangeSet cs = plan_web(options(), f);
  REQUIRE(cs.changes.size() == 1);
  CHECK(cs.changes[0].object["metadata"]["name"] == "grpc-example-com-cors");
}

TEST_CASE("gateway-api web: a CORS filter of that name someone else made is refused") {
  WebFacts f = live();
  f.envoy_filters.push_back({{"kind", "EnvoyFilter"},
                             {"metadata", {{"name", "grpc-example-com-cors"}, {"namespace", "istio-ingress"}}}});
  CHECK(error_of([&] { plan_web(options(), f); }).find("was not created by kubectl-grpcmesh") != std::string::npos);
}

TEST_CASE("gateway-api web: --remove drops the host's CORS, and grpc_web with the last host") {
  WebOptions o = options();
  const ChangeSet planned = plan_web(o, live());
  WebFacts f = live();
  for (const auto& c : planned.changes) {
    f.envoy_filters.push_back(c.object);
  }
  o.remove = true;
  ChangeSet cs = plan_web(o, f);
  REQUIRE(cs.changes.size() == 2);
  CHECK(cs.changes[0].kind == Change::Kind::Release);
  CHECK(cs.changes[0].object["metadata"]["name"] == "grpc-example-com-cors");
  CHECK(cs.changes[1].object["metadata"]["name"] == "grpc-web-grpc-example-com");

  // Another host on the same Gateway keeps the grpc_web filter.
  WebOptions other = options();
  other.host = "api.example.com";
  f.envoy_filters.push_back(plan_web(other, live()).changes.at(1).object);
  cs = plan_web(o, f);
  REQUIRE(cs.changes.size() == 1);
  CHECK(cs.changes[0].object["metadata"]["name"] == "grpc-example-com-cors");
}

TEST_CASE("gateway-api web: --dry-run=client needs the Gateway") {
  WebOptions o = options();
  CHECK(error_of([&] { web_facts_from_flags(o); }).find("--gateway-namespace") != std::string::npos);
  o.gateway_namespace = "istio-ingress";
  CHECK(web_facts_from_flags(o).gateway_name == "grpc-example-com");
  o.gateway = "infra/shared";
  const WebFacts f = web_facts_from_flags(o);
  CHECK(f.gateway_namespace == "infra");
  CHECK(f.gateway_name == "shared");
}
