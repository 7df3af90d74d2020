// The paths check draws for Gateway API hosts (core/check/paths.cpp), and
// their place in -o json (core/check/report.cpp).
#include "core/check/paths.hpp"

#include <doctest/doctest.h>

#include <map>
#include <sstream>

#include "core/check/report.hpp"
#include "fixture_util.hpp"

using namespace grpcmesh::check;
using nlohmann::json;

namespace {

Snapshot gateway_api_snapshot() {
  return check_test::load_fixture(std::filesystem::path(GRPCMESH_TESTDATA_DIR) / "check-paths" / "gateway-api");
}

// host -> the labels of its hops, in order.
std::map<std::string, std::vector<std::string>> labels(const std::vector<HostPath>& paths) {
  std::map<std::string, std::vector<std::string>> out;
  for (const HostPath& p : paths) {
    for (const PathHop& h : p.hops) {
      out[p.host].push_back(std::string(hop_name(h.hop)) + ": " + h.label);
    }
  }
  return out;
}

}  // namespace

TEST_CASE("paths: a Gateway API host is drawn from its Gateway's status.addresses through its listeners to the endpoints") {
  auto paths = labels(trace_paths(gateway_api_snapshot()));
  CHECK(paths["api.example.org"] ==
        std::vector<std::string>{
            "load balancer: apps/gw status.addresses 203.0.113.10; Service apps/gw-istio LoadBalancer",
            "gateway server: apps/gw listener h2c :80 HTTP hostname api.example.org; apps/gw listener https :443 HTTPS "
            "hostname api.example.org tls Terminate certificateRefs api-cert",
            "route: GRPCRoute apps/greeter rule 0",
            "service port: apps/greeter:50051 HTTP2",
            "endpoints: apps/greeter: 1 of 1 ready"});
  // through a wildcard listener, to an HTTP/1.1 port
  CHECK(paths["v1.legacy.example.org"].at(1) == "gateway server: apps/gw listener wildcard :8080 HTTP hostname *.legacy.example.org");
  CHECK(paths["v1.legacy.example.org"].at(3) == "service port: apps/legacy:8080 HTTP");
  CHECK(paths["v1.legacy.example.org"].at(4) == "endpoints: apps/legacy: 0 of 1 ready");
  // a listener hostname no route attaches to: drawn up to the listener
  CHECK(paths["idle.example.org"] ==
        std::vector<std::string>{"load balancer: apps/gw status.addresses 203.0.113.10; Service apps/gw-istio LoadBalancer",
                                 "gateway server: apps/gw listener idle :80 HTTP hostname idle.example.org",
                                 "route: no GRPCRoute or HTTPRoute attaches to the listener"});
  // a Gateway its controller has not programmed: no address, no Service
  CHECK(paths["pending.example.org"].at(0) ==
        "load balancer: Gateway apps/pending: no status.addresses and no Service apps/pending-istio deployed for it");
  CHECK(paths.size() == 4);
}

TEST_CASE("paths: without status.addresses the deployed Service's load balancer is the address") {
  Snapshot s;
  auto add = [&](Kind kind, const std::string& api, const std::string& name, const json& body) {
    json object = body;
    object["metadata"] = {{"name", name}, {"namespace", "apps"}};
    s.add(Resource{kind, intern_api_version(api), "apps", name, Tree(object), {}});
  };
  add(Kind::KubeGateway, "gateway.networking.k8s.io/v1", "gw",
      {{"spec", {{"gatewayClassName", "istio"},
                 {"listeners", {{{"name", "h2c"}, {"port", 80}, {"protocol", "HTTP"}, {"hostname", "a.example.org"}}}}}}});
  add(Kind::Service, "v1", "gw-istio",
      {{"spec", {{"type", "LoadBalancer"}, {"selector", {{"gateway.networking.k8s.io/gateway-name", "gw"}}}}},
       {"status", {{"loadBalancer", {{"ingress", {{{"ip", "198.51.100.4"}}}}}}}}});
  // a route whose hostname no listener covers attaches nowhere: said on the listener hop
  add(Kind::GRPCRoute, "gateway.networking.k8s.io/v1", "b",
      {{"spec", {{"parentRefs", {{{"name", "gw"}}}}, {"hostnames", {"b.example.org"}}}}});
  auto paths = labels(trace_paths(s));
  CHECK(paths["a.example.org"].at(0) ==
        "load balancer: apps/gw-istio LoadBalancer 198.51.100.4 (Gateway apps/gw has no status.addresses)");
  CHECK(paths["b.example.org"].at(1).find("gateway server: apps/gw: no listener takes GRPCRoute apps/b (") == 0);
  CHECK(paths["b.example.org"].at(2) == "route: GRPCRoute apps/b (no rules)");
}

TEST_CASE("paths: the hosts and objects of the Gateway API for --host and namespace scopes") {
  Snapshot s = gateway_api_snapshot();
  CHECK(gateway_api_hosts(s, "apps") == std::vector<std::string>{"*.legacy.example.org", "api.example.org", "idle.example.org",
                                                                  "pending.example.org", "v1.legacy.example.org"});
  CHECK(gateway_api_hosts(s, "other").empty());
  std::set<ResourceRef> related;
  add_gateway_api_related(s, "v1.legacy.example.org", related);
  CHECK(related == std::set<ResourceRef>{{"Gateway", "apps", "gw"}, {"GRPCRoute", "apps", "legacy"}, {"Service", "apps", "legacy"}});
}

TEST_CASE("report: -o json carries schemaVersion 2 and the paths with each hop's status") {
  Snapshot s = gateway_api_snapshot();
  std::vector<HostPath> paths = trace_paths(s);
  Result r;
  Message m = msg::UnknownKindIgnored("v1", "ConfigMap");
  m.hop = Hop::Backend;
  m.level = Level::Error;
  m.host = "v1.legacy.example.org";
  m.resource = {"GRPCRoute", "apps", "legacy"};
  r.findings.push_back(m);
  r.skipped.push_back({"route_gateway", "no VirtualService in the input", Hop::Route, true, false});
  r.skipped.push_back({"destination_rule", "no DestinationRule in the input", Hop::Backend, false, false});
  r.skipped.push_back({"gatewayapi_listener", "forbidden", Hop::Server, false, true});
  json doc = json::parse(to_json(r, paths).dump());
  CHECK(doc["schemaVersion"] == 2);
  CHECK(doc.size() == 4);
  json legacy;
  for (const auto& p : doc["paths"]) {
    if (p["host"] == "v1.legacy.example.org") {
      legacy = p;
    }
  }
  REQUIRE(legacy.is_object());
  CHECK(legacy["hops"][0] == json{{"hop", "load balancer"},
                                  {"label", "apps/gw status.addresses 203.0.113.10; Service apps/gw-istio LoadBalancer"},
                                  {"status", "OK"}});
  // an analyzer skipped for lack of VirtualServices leaves a Gateway API host's route hop checked
  CHECK(legacy["hops"][2]["status"] == "OK");
  CHECK(legacy["hops"][3]["status"] == "BROKEN");
  // the human report does not draw it under the hop either
  std::ostringstream human;
  render_human(human, r, paths, {});
  CHECK(human.str().find("      skipped route_gateway") == std::string::npos);
  CHECK(human.str().find("skipped destination_rule: no DestinationRule in the input") != std::string::npos);
  CHECK(human.str().find("skipped analyzer route_gateway: no VirtualService in the input") != std::string::npos);
  // a Gateway API analyzer skipped is drawn on a Gateway API host's hop
  CHECK(legacy["hops"][1]["status"] == "UNCHECKED");
  CHECK(human.str().find("      skipped gatewayapi_listener: forbidden") != std::string::npos);
}
