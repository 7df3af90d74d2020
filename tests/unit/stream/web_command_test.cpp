#include "core/stream/web_command.hpp"

#include <doctest/doctest.h>

#include <algorithm>

#include "core/manifest/grpc_web_filter.hpp"
#include "core/mesh/expose_command.hpp"
#include "core/util/yaml.hpp"
#include "tests/unit/mesh/fixtures.hpp"
#include "tests/unit/stream/dry_run_output.hpp"

using namespace grpcmesh::stream;
using grpcmesh::mesh::Change;
using grpcmesh::mesh::ChangeSet;
using grpcmesh::mesh::planned_objects;
using grpcmesh::testing::check_golden;
using grpcmesh::testing::error_of;
using grpcmesh::testing::load_objects;

namespace {

WebOptions web_options(const std::string& host) {
  WebOptions o;
  o.host = host;
  o.cors.origins = {"https://app.example.com"};
  o.cors.extra_headers = {"authorization"};
  return o;
}

WebFacts facts_for(const std::string& file, const std::string& host) {
  WebFacts f;
  f.servers = grpcmesh::mesh::servers_for_host(load_objects(file, "Gateway"), host);
  f.virtual_services = load_objects(file, "VirtualService");
  f.selector = {{"istio", "ingressgateway"}};
  f.workload_namespace = "istio-system";
  return f;
}

std::string dumped(const ChangeSet& cs) { return grpcmesh::yaml::dump_all(planned_objects(cs)); }

std::string joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) {
    out += l + "\n";
  }
  return out;
}

}  // namespace

TEST_CASE("web: --dry-run=client prints the EnvoyFilter and shows the CORS policy") {
  WebOptions o = web_options("grpc.example.com");
  o.gateway_namespace = "istio-system";
  const auto [out, err] = grpcmesh::testing::client_dry_run_yaml(plan_web(o, web_facts_from_flags(o)));
  check_golden("stream/web-client-dry-run.yaml", out);
  check_golden("stream/web-client-dry-run.txt", err);
  o.cors.origins = {"*"};
  o.cors.origin_regexes = {"https://.*\\.example\\.com"};
  o.cors.max_age = "1h";
  o.selector = {{"app", "edge-gateway"}};
  o.gateway_namespace = "edge";
  const auto [out2, err2] = grpcmesh::testing::client_dry_run_yaml(plan_web(o, web_facts_from_flags(o)));
  check_golden("stream/web-client-dry-run-edge.yaml", out2);
  check_golden("stream/web-client-dry-run-edge.txt", err2);
  CHECK(error_of([] { web_facts_from_flags(web_options("grpc.example.com")); }) ==
        "--dry-run=client cannot look up the gateway pods' namespace; pass --gateway-namespace (e.g. istio-system)");
}

TEST_CASE("web: the filter and CORS on every route of our VirtualService") {
  const ChangeSet cs = plan_web(web_options("grpc.example.com"), facts_for("stream/host.yaml", "grpc.example.com"));
  check_golden("stream/web-live.yaml", dumped(cs));
  check_golden("stream/web-live.txt", joined(cs.notes));
  CHECK(cs.warnings.empty());
  REQUIRE(cs.changes.size() == 2);
  for (const auto& route : cs.changes[1].object["spec"]["http"]) {
    CHECK(route["corsPolicy"]["allowMethods"] == nlohmann::json::array({"POST", "OPTIONS"}));
  }
}

TEST_CASE("web: a re-run is stable and reuses our filter") {
  WebFacts f = facts_for("stream/host.yaml", "grpc.example.com");
  const ChangeSet first = plan_web(web_options("grpc.example.com"), f);
  f.envoy_filters = {first.changes[0].object};
  f.virtual_services[0]["spec"]["http"] = first.changes[1].object["spec"]["http"];
  const ChangeSet again = plan_web(web_options("grpc.example.com"), f);
  REQUIRE(again.changes.size() == 1);  // our filter, applied unchanged
  CHECK(again.changes[0].object == first.changes[0].object);
}

TEST_CASE("web: an equivalent filter from someone else is reused, not duplicated") {
  WebFacts f = facts_for("stream/host.yaml", "grpc.example.com");
  nlohmann::json other = grpcmesh::manifest::grpc_web_filter({"custom-grpc-web", "istio-system", {}});
  other["metadata"].erase("labels");
  other["spec"].erase("workloadSelector");  // every workload in the root namespace
  f.envoy_filters = {other};
  const ChangeSet cs = plan_web(web_options("grpc.example.com"), f);
  REQUIRE(cs.changes.size() == 1);
  CHECK(cs.changes[0].object["kind"] == "VirtualService");
  CHECK(cs.notes[0] == "EnvoyFilter istio-system/custom-grpc-web already adds grpc_web to the gateway pods; reusing it");
  // a filter for another workload does not count
  f.envoy_filters[0]["spec"]["workloadSelector"] = {{"labels", {{"istio", "eastwestgateway"}}}};
  CHECK(plan_web(web_options("grpc.example.com"), f).changes.size() == 2);
}

TEST_CASE("web: plaintext GRPC-WEB servers get the filter from Istio") {
  WebFacts f = facts_for("stream/host.yaml", "grpc.example.com");
  for (auto& s : f.servers) {
    s.protocol = "GRPC-WEB";
  }
  const ChangeSet cs = plan_web(web_options("grpc.example.com"), f);
  REQUIRE(cs.changes.size() == 1);
  CHECK(cs.notes[0] == "The servers for grpc.example.com are GRPC-WEB, so Istio adds the grpc_web filter itself");
}

TEST_CASE("web: the seed-style content-type route is reported, and fixed only with --force-conflicts") {
  const WebFacts f = facts_for("stream/seed-web.yaml", "web.example.com");
  CHECK(error_of([&] { plan_web(web_options("web.example.com"), f); }) ==
        "VirtualService apps/web-seed http[0] matches only requests with a content-type header, which the browser's "
        "preflight (OPTIONS) never carries, so the preflight never gets its CORS policy; a preflight route (method "
        "OPTIONS) in front of it fixes that; the http list of VirtualService apps/web-seed is owned by field manager "
        "\"kubectl\": put a corsPolicy on a route without a content-type match yourself, or re-run with "
        "--force-conflicts to take the list over (only this change is made)");
  WebOptions o = web_options("web.example.com");
  o.force = true;
  const ChangeSet cs = plan_web(o, f);
  check_golden("stream/web-seed-fixed.yaml", dumped(cs));
  REQUIRE(cs.warnings.size() == 1);
  const auto& http = cs.changes.at(1).object["spec"]["http"];
  REQUIRE(http.size() == 2);
  CHECK(http[0]["name"] == "grpcmesh-preflight-0");

  // re-running on the fixed list keeps one preflight route
  WebFacts fixed = f;
  fixed.virtual_services[0]["spec"]["http"] = http;
  fixed.envoy_filters = {cs.changes[0].object};
  const ChangeSet again = plan_web(o, fixed);
  REQUIRE(again.changes.size() == 1);
  CHECK(again.changes[0].object["kind"] == "EnvoyFilter");

  // --remove drops the preflight route and, with no other host using it, the filter
  WebOptions remove = o;
  remove.remove = true;
  const ChangeSet removed = plan_web(remove, fixed);
  REQUIRE(removed.changes.size() == 2);
  CHECK(removed.changes[0].kind == Change::Kind::Release);
  CHECK(removed.changes[1].object["spec"]["http"].size() == 1);
  CHECK_FALSE(removed.changes[1].object["spec"]["http"][0].contains("name"));
}

TEST_CASE("web: --remove takes CORS off our routes and keeps the filter another host still uses") {
  WebFacts f = facts_for("stream/host.yaml", "grpc.example.com");
  const ChangeSet first = plan_web(web_options("grpc.example.com"), f);
  f.envoy_filters = {first.changes[0].object};
  f.virtual_services[0]["spec"]["http"] = first.changes[1].object["spec"]["http"];
  nlohmann::json other = first.changes[1].object;
  other["metadata"]["name"] = "api-example-com";
  f.workload_virtual_services = {other};
  WebOptions o = web_options("grpc.example.com");
  o.remove = true;
  const ChangeSet cs = plan_web(o, f);
  REQUIRE(cs.changes.size() == 1);
  CHECK(cs.changes[0].object["spec"]["http"] == load_objects("stream/host.yaml", "VirtualService")[0]["spec"]["http"]);
  CHECK(cs.notes[0] == "EnvoyFilter istio-system/grpc-web-ingressgateway stays: istio-system/api-example-com still use "
                       "gRPC-Web");
  f.workload_virtual_services.clear();
  CHECK(plan_web(o, f).changes.at(0).kind == Change::Kind::Release);
}

TEST_CASE("web: --remove takes its CORS policy off another team's routes and leaves theirs") {
  WebFacts f = facts_for("stream/host.yaml", "grpc.example.com");
  nlohmann::json& vs = f.virtual_services[0];
  vs["metadata"]["labels"] = nlohmann::json::object();  // another team's VirtualService
  vs["metadata"].erase("managedFields");
  const ChangeSet first = plan_web(web_options("grpc.example.com"), f);
  REQUIRE(first.changes.size() == 2);
  nlohmann::json http = first.changes[1].object["spec"]["http"];
  REQUIRE(has_grpc_web_cors(http[0]));
  // the team also has a route with a CORS policy of its own
  nlohmann::json own = http[0];
  own["corsPolicy"] = {{"allowOrigins", {{{"exact", "https://admin.example.com"}}}}, {"allowMethods", {"GET"}}};
  http.push_back(own);
  vs["spec"]["http"] = http;
  f.envoy_filters = {first.changes[0].object};

  WebOptions o = web_options("grpc.example.com");
  o.remove = true;
  const ChangeSet cs = plan_web(o, f);
  const auto routes = std::find_if(cs.changes.begin(), cs.changes.end(), [](const Change& c) {
    return c.object["kind"] == "VirtualService";
  });
  REQUIRE(routes != cs.changes.end());
  const auto& after = routes->object["spec"]["http"];
  REQUIRE(after.size() == http.size());
  for (size_t i = 0; i + 1 < after.size(); ++i) {
    CHECK_FALSE(after[i].contains("corsPolicy"));
  }
  CHECK(after.back()["corsPolicy"] == own["corsPolicy"]);
  CHECK_FALSE(uses_grpc_web(routes->object));
}

TEST_CASE("web: a host with no Gateway is an error") {
  WebFacts f;
  CHECK(error_of([&] { plan_web(web_options("nowhere.example.com"), f); }) ==
        "no Gateway serves nowhere.example.com; create one first: kubectl grpcmesh init --host nowhere.example.com");
}

TEST_CASE("web: a later expose of another service keeps the host's CORS policy") {
  WebFacts f = facts_for("stream/host.yaml", "grpc.example.com");
  const ChangeSet web = plan_web(web_options("grpc.example.com"), f);
  grpcmesh::mesh::ExposeOptions o;
  o.service = "echo";
  o.namespace_name = "other";
  o.host = "grpc.example.com";
  o.grpc_services = {"echo.Echo"};
  o.port = 7000;
  grpcmesh::mesh::ExposeFacts facts;
  facts.gateways = {"istio-system/grpc-example-com"};
  facts.virtual_service_namespace = "istio-system";
  facts.virtual_service = f.virtual_services[0];
  facts.virtual_service->at("spec")["http"] = web.changes.at(1).object["spec"]["http"];
  const ChangeSet exposed = grpcmesh::mesh::plan_expose(o, facts);
  const auto& http = exposed.changes.back().object["spec"]["http"];
  REQUIRE(http.size() == 3);
  for (const auto& route : http) {
    CHECK(route["corsPolicy"] == web.changes.at(1).object["spec"]["http"][0]["corsPolicy"]);
  }
  CHECK(http[0]["timeout"] == "30s");  // the chat route keeps its timeout too
}
