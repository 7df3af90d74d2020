// check --deep over a configuration dump and sync state captured from a real
// istiod (tests/testdata/deep: what pilot-discovery sent the stand-in gateway
// pod istio-ingressgateway-sim-1 after `init`, `tls`, `expose` and `web` for
// grpc.deep.example.com), each case changing one thing in them as a fault
// would. The e2e tests (tests/e2e/istiod/deep_test.cpp) cause the same
// faults in a real istiod.
#include "core/check/deep/deep.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include "core/check/deep/expect.hpp"
#include "core/check/file_loader.hpp"
#include "core/check/mesh.hpp"
#include "core/kube/encoding.hpp"
#include "core/tls/self_signed.hpp"
#include "core/util/error.hpp"

using namespace grpcmesh;
using namespace grpcmesh::check;
using json = nlohmann::json;

namespace {

std::string read(const std::string& name) {
  std::ifstream f(std::string(GRPCMESH_TESTDATA_DIR) + "/deep/" + name);
  REQUIRE(f.good());
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// The objects behind the captured dump, as `init`, `tls`, `expose` and `web` wrote them.
constexpr const char* kObjects = R"(
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: grpc-deep-example-com, namespace: istio-system}
spec:
  selector: {istio: ingressgateway}
  servers:
  - port: {number: 443, name: https-443, protocol: HTTPS}
    hosts: [grpc.deep.example.com]
    tls: {mode: SIMPLE, credentialName: grpc-deep-example-com-tls}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: grpc-deep-example-com, namespace: istio-system}
spec:
  hosts: [grpc.deep.example.com]
  gateways: [grpc-deep-example-com]
  http:
  - match: [{uri: {prefix: /helloworld.Greeter/}}]
    route: [{destination: {host: greeter.app.svc.cluster.local, port: {number: 50051}}}]
    corsPolicy:
      allowOrigins: [{exact: "https://app.example.com"}]
      allowMethods: [POST, OPTIONS]
---
apiVersion: networking.istio.io/v1alpha3
kind: EnvoyFilter
metadata: {name: grpc-web-ingressgateway, namespace: istio-system}
spec:
  workloadSelector: {labels: {istio: ingressgateway}}
  configPatches:
  - applyTo: HTTP_FILTER
    match: {context: GATEWAY, listener: {filterChain: {filter: {name: envoy.filters.network.http_connection_manager}}}}
    patch:
      operation: INSERT_FIRST
      value: {name: envoy.filters.http.grpc_web}
---
apiVersion: v1
kind: Service
metadata: {name: greeter, namespace: app}
spec:
  selector: {app: greeter}
  ports: [{name: grpc, port: 50051}]
---
apiVersion: v1
kind: Service
metadata: {name: istio-ingressgateway, namespace: istio-system}
spec:
  type: LoadBalancer
  selector: {istio: ingressgateway, app: istio-ingressgateway}
  ports:
  - {name: http2, port: 80, targetPort: 8080}
  - {name: https, port: 443, targetPort: 8443}
---
apiVersion: v1
kind: Pod
metadata:
  name: istio-ingressgateway-sim-1
  namespace: istio-system
  labels: {app: istio-ingressgateway, istio: ingressgateway}
)";

const std::string kHost = "grpc.deep.example.com";
const std::string kRouteType = "type.googleapis.com/envoy.config.route.v3.RouteConfiguration";
const std::string kSecretType = "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret";

// A stand-in for istiod's debug endpoints serving fixed bodies: the fault
// injection of these tests (the e2e tests ask a real istiod).
// Its /version is the pinned istiod's ("1.31.0-dev+eed52ebb66ad-unknown-unknown").
class FixedIstiod final : public deep::IstiodSource {
 public:
  FixedIstiod(std::string syncz, std::string dump, long dump_status = 200,
              std::string version = "1.31.0-dev+eed52ebb66ad-unknown-unknown")
      : syncz_(std::move(syncz)), dump_(std::move(dump)), dump_status_(dump_status), version_(std::move(version)) {}
  const std::vector<std::string>& instances() const override { return names_; }
  std::vector<kube::Response> get_all(const std::string& path) override { return {get(0, path)}; }
  kube::Response get(size_t, const std::string& path) override {
    kube::Response r;
    if (path == "/debug/syncz") {
      r.status = 200;
      r.body = syncz_;
    } else if (path == "/version") {
      r.status = version_.empty() ? 404 : 200;
      r.body = version_.empty() ? "404 page not found\n" : version_;
    } else {
      CHECK(path == "/debug/config_dump?proxyID=istio-ingressgateway-sim-1.istio-system");
      r.status = dump_status_;
      r.body = dump_;
    }
    return r;
  }

 private:
  std::vector<std::string> names_{"istiod-test"};
  std::string syncz_, dump_;
  long dump_status_;
  std::string version_;
};

struct Run {
  std::vector<Message> findings;
  deep::DeepReport report;
  std::set<std::string> keys() const {
    std::set<std::string> out;
    for (const Message& m : findings) {
      out.insert(std::string(m.code) + " " + m.resource.kind + " " + m.resource.namespace_name + "/" +
                 m.resource.name);
    }
    return out;
  }
};

Run run_deep(const json& syncz, const json& dump, const std::string& extra_objects = "",
             const std::string& version = "1.31.0-dev+eed52ebb66ad-unknown-unknown") {
  Snapshot snapshot;
  std::istringstream in(std::string(kObjects) + (extra_objects.empty() ? "" : "---\n" + extra_objects));
  load_files(snapshot, {"-"}, in, "default");
  FixedIstiod istiod(syncz.dump(), dump.dump(), 200, version);
  Run r;
  r.report = deep::inspect(snapshot, {kHost}, istiod, r.findings);
  return r;
}

json& listener(json& dump) {
  for (json& c : dump["configs"]) {
    if (c["@type"].get<std::string>().ends_with("ListenersConfigDump")) {
      for (json& l : c["dynamicListeners"]) {
        if (l["name"] == "0.0.0.0_8443") {
          return l["activeState"]["listener"];
        }
      }
    }
  }
  FAIL("no listener 0.0.0.0_8443 in the captured dump");
  throw std::logic_error("unreachable");
}

json& hcm(json& dump) {
  for (json& fc : listener(dump)["filterChains"]) {
    const auto& names = fc["filterChainMatch"].value("serverNames", json::array());
    if (std::find(names.begin(), names.end(), kHost) != names.end()) {
      return fc["filters"].back()["typedConfig"];
    }
  }
  FAIL("no filter chain for the host");
  throw std::logic_error("unreachable");
}

json& routes(json& dump) {
  for (json& c : dump["configs"]) {
    if (c["@type"].get<std::string>().ends_with("RoutesConfigDump")) {
      for (json& r : c["dynamicRouteConfigs"]) {
        if (r["routeConfig"]["name"] == "https.443.https-443.grpc-deep-example-com.istio-system") {
          return r["routeConfig"]["virtualHosts"][0]["routes"];
        }
      }
    }
  }
  FAIL("no route configuration for the host");
  throw std::logic_error("unreachable");
}

json& route(json& dump) { return routes(dump)[0]; }

json& clusters(json& dump) {
  for (json& c : dump["configs"]) {
    if (c["@type"].get<std::string>().ends_with("ClustersConfigDump")) {
      return c["dynamicActiveClusters"];
    }
  }
  FAIL("no clusters");
  throw std::logic_error("unreachable");
}

const std::string kCluster = "outbound|50051||greeter.app.svc.cluster.local";

json& greeter_cluster(json& dump) {
  for (json& c : clusters(dump)) {
    if (c["cluster"]["name"] == kCluster) {
      return c["cluster"];
    }
  }
  FAIL("no greeter cluster");
  throw std::logic_error("unreachable");
}

void erase_filter(json& dump, const std::string& name) {
  auto& filters = hcm(dump)["httpFilters"];
  for (auto it = filters.begin(); it != filters.end(); ++it) {
    if ((*it)["name"] == name) {
      filters.erase(it);
      return;
    }
  }
  FAIL("no filter " << name);
}

// The pod asks istiod for secrets (its syncz entry has the Secret type) and
// istiod sends it kubernetes://grpc-deep-example-com-tls holding `cert_pem`,
// as istiod's config_dump shows a secret: the key redacted, the name only
// inside the secret (the entry has a versionInfo and no name of its own).
void deliver_secret(json& syncz, json& dump, const std::string& cert_pem) {
  syncz[0]["resources"][kSecretType] = {{"sent", "n1"}, {"acked", "n1"}};
  dump["configs"].push_back(
      {{"@type", "type.googleapis.com/envoy.admin.v3.SecretsConfigDump"},
       {"dynamicActiveSecrets",
        {{{"versionInfo", "2026-12-07T01:12:44Z/4"},
          {"secret",
           {{"@type", kSecretType},
            {"name", "kubernetes://grpc-deep-example-com-tls"},
            {"tlsCertificate",
             {{"certificateChain", {{"inlineBytes", kube::base64_encode(cert_pem)}}},
              {"privateKey", {{"inlineBytes", kube::base64_encode("[redacted]")}}}}}}}}}}});
}

const auto kNow = std::chrono::system_clock::now();

const std::string kPod = "Pod istio-system/istio-ingressgateway-sim-1";
const std::string kSdsInfo = "GM0113 " + kPod;

}  // namespace

TEST_CASE("deep: the captured istiod configuration of a working host yields no finding but the SDS note") {
  Run r = run_deep(json::parse(read("syncz.json")), json::parse(read("config_dump.json")));
  CHECK(r.keys() == std::set<std::string>{kSdsInfo});
  REQUIRE(r.report.pods.size() == 1);
  CHECK(r.report.pods[0].istiod == "istiod-test");
  CHECK(r.report.pods[0].istio_version == "1.31.0");
  REQUIRE(r.report.hosts.size() == 1);
  const deep::HostFacts& h = r.report.hosts[0];
  CHECK(h.listener == "0.0.0.0_8443");
  CHECK(h.port == 8443);
  CHECK(h.route_config == "https.443.https-443.grpc-deep-example-com.istio-system");
  CHECK(h.secrets == std::vector<std::string>{"kubernetes://grpc-deep-example-com-tls"});
  CHECK(h.http_filters.front() == "envoy.filters.http.grpc_web");
  CHECK(h.http_filters.back() == "envoy.filters.http.router");
  REQUIRE(h.routes.size() == 1);
  CHECK(h.routes[0].match == "prefix /helloworld.Greeter/");
  CHECK(h.routes[0].cluster == kCluster);
  CHECK(h.routes[0].timeout == "0s");
  CHECK(h.routes[0].http2);
  json j = deep::to_json(r.report);
  CHECK(j["pods"][0]["sync"][0] == json{{"type", "CDS"}, {"state", "SYNCED"}});
  CHECK(j["hosts"][0]["routes"][0]["cluster"] == kCluster);
}

// One fault a case: what it changes in the captured sync state or dump (or
// objects it adds), and the findings it must yield.
struct Fault {
  std::string name;
  std::function<void(json& syncz, json& dump)> apply;
  std::set<std::string> expected;
  std::string extra_objects = "";
  std::string text = "";  // a part of the first finding's message
};

TEST_CASE("deep: each fault in istiod's view of the pod yields its code (every deep code has a case)") {
  const std::vector<Fault> faults = {
      {"pod unknown to istiod", [](json& s, json&) { s = json::array(); }, {"GM0101 " + kPod},
       "", "is not connected to istiod (istiod-test)"},
      {"routes NACKed",
       [](json& s, json&) { s[0]["resources"][kRouteType]["lastError"] = "route rejected: bad regex"; },
       {"GM0102 " + kPod, kSdsInfo}, "", "rejected (NACKed) the RDS configuration istiod sent: \"route rejected: bad regex\""},
      {"routes STALE", [](json& s, json&) { s[0]["resources"][kRouteType]["sent"] = "newer-nonce"; },
       {"GM0103 " + kPod, kSdsInfo}, "", "STALE: sent newer-nonce"},
      {"no filter chain for the SNI",
       [](json&, json& d) {
         for (json& fc : listener(d)["filterChains"]) {
           if (fc["filterChainMatch"].contains("serverNames")) {
             fc["filterChainMatch"]["serverNames"] = json::array({"other.example.com"});
           }
         }
       },
       {"GM0104 " + kPod}, "", "no filter chain for grpc.deep.example.com on port 443"},
      {"an EnvoyFilter removed grpc_web", [](json&, json& d) { erase_filter(d, "envoy.filters.http.grpc_web"); },
       {"GM0105 " + kPod, kSdsInfo}, "", "without envoy.filters.http.grpc_web before the router"},
      {"a filter after the router",
       [](json&, json& d) { hcm(d)["httpFilters"].push_back({{"name", "envoy.filters.http.lua"}}); },
       {"GM0106 " + kPod, kSdsInfo}, "", "envoy.filters.http.router is not the last one"},
      {"the route is gone",
       [](json&, json& d) { route(d)["match"]["prefix"] = "/other.Service/"; },
       {"GM0107 " + kPod, kSdsInfo}, "", "no route of virtual host grpc.deep.example.com:443 matches it"},
      {"another team's VirtualService shadows the route",
       [](json&, json& d) {
         json first = route(d);
         first["match"]["prefix"] = "/helloworld.";  // (a catch-all istiod would have moved last)
         first["route"]["cluster"] = "outbound|8080||legacy.team-b.svc.cluster.local";
         first["metadata"]["filterMetadata"]["istio"]["config"] =
             "/apis/networking.istio.io/v1/namespaces/team-b/virtual-service/legacy";
         routes(d).insert(routes(d).begin(), first);
       },
       {"GM0108 " + kPod, kSdsInfo}, "",
       "match a route of VirtualService team-b/legacy first and go to outbound|8080||legacy.team-b.svc.cluster.local"},
      {"a route timeout the objects do not set", [](json&, json& d) { route(d)["route"]["timeout"] = "15s"; },
       {"GM0109 " + kPod, kSdsInfo}, "", "has timeout 15s, while the objects set none on rule 0"},
      {"the cluster is missing",
       [](json&, json& d) {
         auto& cs = clusters(d);
         for (auto it = cs.begin(); it != cs.end(); ++it) {
           if ((*it)["cluster"]["name"] == kCluster) {
             cs.erase(it);
             break;
           }
         }
       },
       {"GM0110 " + kPod, kSdsInfo}, "", "no cluster outbound|50051||greeter.app.svc.cluster.local"},
      {"the cluster speaks HTTP/1.1",
       [](json&, json& d) {
         greeter_cluster(d)["typedExtensionProtocolOptions"]["envoy.extensions.upstreams.http.v3.HttpProtocolOptions"]
                           ["explicitHttpConfig"] = {{"httpProtocolOptions", json::object()}};
       },
       {"GM0111 " + kPod, kSdsInfo}, "", "does not speak HTTP/2 upstream"},
      {"the pod asks for the secret and istiod sends none",
       [](json& s, json&) { s[0]["resources"][kSecretType] = {{"sent", "n1"}, {"acked", "n1"}}; },
       {"GM0112 " + kPod}, "", "asks for SDS secret kubernetes://grpc-deep-example-com-tls"},
      {"the secret istiod sends is for another host",
       [](json& s, json& d) { deliver_secret(s, d, tls::make_self_signed("other.example.com", kNow).cert_pem); },
       {"GM0117 " + kPod}, "", "but its certificate names other.example.com in its subjectAltName, not the host"},
      {"the secret istiod sends has expired",
       [](json& s, json& d) {
         deliver_secret(s, d, tls::make_self_signed(kHost, kNow - std::chrono::hours(72), std::chrono::hours(24)).cert_pem);
       },
       {"GM0117 " + kPod}, "", "but its certificate expired at"},
      {"a preflight finds no CORS policy",
       [](json&, json& d) { route(d).erase("typedPerFilterConfig"); }, {"GM0114 " + kPod, kSdsInfo}, "",
       "a CORS preflight for grpc.deep.example.com prefix /helloworld.Greeter/ matches a route without a CORS policy"},
      {"no cors filter applies the policy", [](json&, json& d) { erase_filter(d, "envoy.filters.http.cors"); },
       {"GM0114 " + kPod, kSdsInfo}, "", "finds its CORS policy, but no envoy.filters.http.cors among the HTTP filters"},
      {"the cluster's idle timeout is not the DestinationRule's",
       [](json&, json&) {}, {"GM0115 " + kPod, kSdsInfo}, R"(
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: greeter, namespace: app}
spec:
  host: greeter.app.svc.cluster.local
  trafficPolicy: {connectionPool: {http: {idleTimeout: 24h}}}
)",
       "has upstream idle timeout \"none (Envoy's default, 1h)\", while DestinationRule app/greeter sets 24h"},
      {"the pod runs another Istio minor version than istiod",
       [](json& s, json&) { s[0]["istio_version"] = "1.29.2"; }, {"GM0116 " + kPod, kSdsInfo}, "",
       "runs Istio \"1.29.2\" and istiod istiod-test runs \"1.31.0-dev+eed52ebb66ad\""},
  };
  std::set<std::string> produced;
  for (const Fault& f : faults) {
    INFO("fault: ", f.name);
    json syncz = json::parse(read("syncz.json"));
    json dump = json::parse(read("config_dump.json"));
    f.apply(syncz, dump);
    Run r = run_deep(syncz, dump, f.extra_objects);
    CHECK(r.keys() == f.expected);
    REQUIRE(!r.findings.empty());
    CHECK_MESSAGE(r.findings[0].text.find(f.text) != std::string::npos, r.findings[0].text);
    for (const Message& m : r.findings) {
      CHECK(m.host == kHost);
      produced.insert(std::string(m.code));
    }
  }
  for (const CatalogueEntry& e : catalogue()) {
    if (e.deep) {
      CHECK_MESSAGE(produced.count(std::string(e.code)) == 1, "no deep fault case yields ", e.code);
    }
  }
}

TEST_CASE("deep: the objects' own timeout must be the live one, no grpc_web is expected without web") {
  // A VirtualService timeout of 30s that istiod sends as 30s: no finding.
  json dump = json::parse(read("config_dump.json"));
  route(dump)["route"]["timeout"] = "30s";
  Snapshot snapshot;
  std::string objects = kObjects;
  objects.replace(objects.find("  - match: [{uri: {prefix: /helloworld.Greeter/}}]\n"),
                  std::string("  - match: [{uri: {prefix: /helloworld.Greeter/}}]\n").size(),
                  "  - match: [{uri: {prefix: /helloworld.Greeter/}}]\n    timeout: 30s\n");
  // Without the EnvoyFilter web writes, a missing grpc_web is no finding.
  objects = objects.substr(0, objects.find("---\napiVersion: networking.istio.io/v1alpha3")) +
            objects.substr(objects.find("---\napiVersion: v1\nkind: Service"));
  erase_filter(dump, "envoy.filters.http.grpc_web");
  std::istringstream in(objects);
  load_files(snapshot, {"-"}, in, "default");
  FixedIstiod istiod(read("syncz.json"), dump.dump());
  std::vector<Message> findings;
  deep::inspect(snapshot, {kHost}, istiod, findings);
  REQUIRE(findings.size() == 1);
  CHECK(findings[0].code == "GM0113");
  // The same route at 10s: the live timeout is not the objects'.
  route(dump)["route"]["timeout"] = "10s";
  FixedIstiod changed(read("syncz.json"), dump.dump());
  findings.clear();
  deep::inspect(snapshot, {kHost}, changed, findings);
  std::set<std::string> codes;
  for (const Message& m : findings) {
    codes.insert(std::string(m.code));
  }
  CHECK(codes == std::set<std::string>{"GM0109", "GM0113"});
}

TEST_CASE("deep: what is not istiod's debug output fails with one line") {
  CHECK_THROWS_WITH_AS(deep::parse_config_dump("<html>"), "istiod's config dump is not a JSON ConfigDump (no \"configs\" array)",
                       Error);
  CHECK_THROWS_WITH_AS(deep::parse_syncz("{}", "x"), "istiod's /debug/syncz is not a JSON array of proxies", Error);
  Snapshot snapshot;
  std::istringstream in(kObjects);
  load_files(snapshot, {"-"}, in, "default");
  FixedIstiod html("<html>not istiod</html>", "");
  std::vector<Message> findings;
  CHECK_THROWS_WITH_AS(deep::inspect(snapshot, {kHost}, html, findings),
                       "--deep: istiod's /debug/syncz is not a JSON array of proxies (istiod-test): is it istiod's debug port?",
                       Error);
}

TEST_CASE("deep: a pod that leaves istiod between syncz and its dump is not connected") {
  Snapshot snapshot;
  std::istringstream in(kObjects);
  load_files(snapshot, {"-"}, in, "default");
  FixedIstiod gone(read("syncz.json"), "Proxy not connected to this Pilot instance.", 404);
  std::vector<Message> findings;
  auto report = deep::inspect(snapshot, {kHost}, gone, findings);
  REQUIRE(findings.size() == 1);
  CHECK(findings[0].code == "GM0101");
  CHECK(report.hosts.empty());
  CHECK_FALSE(deep::to_json(report)["pods"][0]["connected"].get<bool>());
}

TEST_CASE("deep: a secret valid for the host, the DestinationRule's idle timeout and one minor version yield nothing") {
  json syncz = json::parse(read("syncz.json"));
  json dump = json::parse(read("config_dump.json"));
  deliver_secret(syncz, dump, tls::make_self_signed(kHost, kNow).cert_pem);
  greeter_cluster(dump)["typedExtensionProtocolOptions"]["envoy.extensions.upstreams.http.v3.HttpProtocolOptions"]
                       ["commonHttpProtocolOptions"]["idleTimeout"] = "86400s";
  syncz[0]["istio_version"] = "1.31.2";
  Run r = run_deep(syncz, dump, R"(
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: greeter, namespace: app}
spec:
  host: greeter.app.svc.cluster.local
  trafficPolicy: {connectionPool: {http: {idleTimeout: 24h}}}
)");
  CHECK(r.keys().empty());
  REQUIRE(r.report.hosts.size() == 1);
  CHECK(r.report.hosts[0].routes[0].idle_timeout == "86400s");
  CHECK(r.report.hosts[0].routes[0].preflight_cors);
  CHECK(r.report.pods[0].istiod_version == "1.31.0-dev+eed52ebb66ad");
  json j = deep::to_json(r.report);
  CHECK(j["pods"][0]["istiodVersion"] == "1.31.0-dev+eed52ebb66ad");
  CHECK(j["hosts"][0]["routes"][0]["idleTimeout"] == "86400s");
  CHECK(j["hosts"][0]["routes"][0]["preflightCors"] == true);
}

TEST_CASE("deep: istiod's /version read as istioctl reads it, without one no version is compared") {
  CHECK(deep::istiod_version("1.31.0-dev+eed52ebb66ad-unknown-unknown") == "1.31.0-dev+eed52ebb66ad");
  CHECK(deep::istiod_version("1.12.0-016bc46f4a5e0ef3fa135b3c5380ab7765467c1a-dirty-Modified") == "1.12.0");
  CHECK(deep::istiod_version("1.7-alpha.9c900ba-9c900ba-Clean\n") == "1.7-alpha.9c900ba");
  CHECK(deep::istiod_version("1.31.0") == "1.31.0");
  CHECK(deep::istiod_version("404 page not found\n<html>") == "");
  json syncz = json::parse(read("syncz.json"));
  syncz[0]["istio_version"] = "1.29.2";
  Run r = run_deep(syncz, json::parse(read("config_dump.json")), "", "");
  CHECK(r.keys() == std::set<std::string>{kSdsInfo});
  CHECK(r.report.pods[0].istiod_version.empty());
}

namespace {

// Every field of a reduced dump, for comparing two reductions.
std::string summary(const deep::ConfigDump& d) {
  json out = json::object();
  for (const auto& l : d.listeners) {
    json chains = json::array();
    for (const auto& c : l.chains) {
      chains.push_back({c.name, c.server_names, c.tls, c.sds_secrets, c.http, c.route_config, c.http_filters,
                        c.stream_idle_timeout.value_or("-")});
    }
    out["listeners"].push_back({l.name, l.port, chains});
  }
  for (const auto& [name, rc] : d.routes) {
    json vhs = json::array();
    for (const auto& vh : rc.virtual_hosts) {
      json routes = json::array();
      for (const auto& r : vh.routes) {
        routes.push_back({r.name, r.prefix, r.path, r.regex, r.headers, r.cluster, r.direct_response,
                          r.timeout.value_or("-"), r.retries.value_or(-1), r.cors, r.config});
      }
      vhs.push_back({vh.name, vh.domains, vh.cors, routes});
    }
    out["routes"][name] = vhs;
  }
  for (const auto& [name, c] : d.clusters) {
    out["clusters"][name] = {c.http2, c.downstream_protocol, c.idle_timeout.value_or("-")};
  }
  for (const auto& [name, s] : d.secrets) {
    out["secrets"][name] = {s.certificate, s.chain_pem};
  }
  return out.dump();
}

deep::ConfigDump whole(const std::string& text) {
  return deep::reduce_config_dump(Tree(json::parse(text)).root());
}

std::string fuzz_seed(const std::string& name) {
  std::ifstream f(std::string(GRPCMESH_TESTDATA_DIR) + "/fuzz/config-dump/" + name);
  REQUIRE(f.good());
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// Serves fixed bodies by path; a status 0 throws as an unreachable istiod
// does; the path `hang` waits until released; records what was asked.
class MapIstiod final : public deep::IstiodSource {
 public:
  std::map<std::string, std::pair<long, std::string>> bodies;
  std::string hang;
  std::vector<std::string> asked;
  std::mutex m;
  std::condition_variable cv;
  bool released = false;

  const std::vector<std::string>& instances() const override { return names_; }
  std::vector<kube::Response> get_all(const std::string& path) override { return {get(0, path)}; }
  kube::Response get(size_t, const std::string& path) override {
    {
      std::unique_lock lock(m);
      asked.push_back(path);
      cv.notify_all();
      if (path == hang) {
        cv.wait(lock, [&] { return released; });
      }
    }
    auto it = bodies.find(path);
    if (it == bodies.end()) {
      return {404, "no such proxy", ""};
    }
    if (it->second.first == 0) {
      throw Error("--deep: cannot reach istiod at test: connection refused");
    }
    return {it->second.first, it->second.second, ""};
  }

 private:
  std::vector<std::string> names_{"istiod-test"};
};

// A source that forwards to one the test keeps, and says when it is gone.
class Borrowed final : public deep::IstiodSource {
 public:
  Borrowed(std::shared_ptr<MapIstiod> to, std::shared_ptr<std::atomic<bool>> gone) : to_(std::move(to)), gone_(std::move(gone)) {}
  ~Borrowed() override { *gone_ = true; }
  const std::vector<std::string>& instances() const override { return to_->instances(); }
  std::vector<kube::Response> get_all(const std::string& path) override { return to_->get_all(path); }
  kube::Response get(size_t i, const std::string& path) override { return to_->get(i, path); }

 private:
  std::shared_ptr<MapIstiod> to_;
  std::shared_ptr<std::atomic<bool>> gone_;
};

const std::string kDumpPath = "/debug/config_dump?proxyID=istio-ingressgateway-sim-1.istio-system";

}  // namespace

TEST_CASE("deep: the dump reduced while it is read equals the reduction of the whole document") {
  const std::string captured = read("config_dump.json");
  const deep::ConfigDump streamed = deep::parse_config_dump(captured);
  CHECK(summary(streamed) == summary(whole(captured)));
  REQUIRE(streamed.listeners.size() == 1);
  CHECK(streamed.listeners[0].name == "0.0.0.0_8443");
  CHECK(streamed.clusters.count(kCluster) == 1);
  // The captured dump with a secret and its keys in another order (the
  // reduction must not depend on @type coming first).
  json syncz = json::parse(read("syncz.json"));
  json dump = json::parse(captured);
  deliver_secret(syncz, dump, tls::make_self_signed(kHost, kNow).cert_pem);
  nlohmann::ordered_json reordered = nlohmann::ordered_json::object();
  reordered["configs"] = nlohmann::ordered_json::array();
  for (const json& c : dump["configs"]) {
    nlohmann::ordered_json entry = nlohmann::ordered_json::object();
    for (const auto& [k, v] : c.items()) {
      if (k != "@type") {
        entry[k] = v;
      }
    }
    entry["@type"] = c["@type"];
    reordered["configs"].push_back(entry);
  }
  const std::string text = reordered.dump();
  CHECK(text.find("\"@type\":\"type.googleapis.com/envoy.admin.v3.ListenersConfigDump\"") > text.find("dynamicListeners"));
  CHECK(summary(deep::parse_config_dump(text)) == summary(whole(text)));
  CHECK(deep::parse_config_dump(text).secrets.count("kubernetes://grpc-deep-example-com-tls") == 1);
  // Repeated keys count once, with their last value; an @type after the
  // fields it names (the fuzz target's seeds).
  for (const std::string name : {"type-after-fields.json", "repeated-keys.json"}) {
    CAPTURE(name);
    const std::string seed = fuzz_seed(name);
    CHECK(summary(deep::parse_config_dump(seed)) == summary(whole(seed)));
  }
  const deep::ConfigDump repeated = deep::parse_config_dump(fuzz_seed("repeated-keys.json"));
  CHECK(repeated.routes.empty());  // the last "configs" holds clusters only
  CHECK(repeated.clusters.count("c") == 1);
  CHECK(deep::parse_config_dump(fuzz_seed("type-after-fields.json")).listeners.at(0).port == 8443);
  // syncz: a type repeated in resources counts once, with its last value.
  const auto proxies = deep::parse_syncz(fuzz_seed("syncz-repeated.json"), "istiod-1");
  REQUIRE(proxies.size() == 3);
  CHECK(proxies[0].proxy_type == "router");
  REQUIRE(proxies[0].types.size() == 2);
  CHECK(proxies[0].types[0].state == "NACK");
  CHECK(proxies[0].types[1].state == "STALE");
  CHECK(proxies[0].types[1].sent == "3");
}

TEST_CASE("deep: a Fetch reads istiod on its own thread, the gateway's dump ahead, and reports its progress") {
  Snapshot snapshot;
  std::istringstream in(kObjects);
  load_files(snapshot, {"-"}, in, "default");
  auto source = std::make_unique<MapIstiod>();
  MapIstiod& istiod = *source;
  istiod.bodies["/debug/syncz"] = {200, read("syncz.json")};
  istiod.bodies["/version"] = {200, "1.31.0-dev+eed52ebb66ad-unknown-unknown"};
  istiod.bodies[kDumpPath] = {200, read("config_dump.json")};
  std::vector<std::string> statuses;
  std::thread::id reader;
  auto fetch = deep::Fetch::start(
      [&] {
        reader = std::this_thread::get_id();
        return std::unique_ptr<deep::IstiodSource>(std::move(source));
      },
      [&](std::string_view s) { statuses.emplace_back(s); });
  std::vector<Message> findings;
  deep::DeepReport report = deep::inspect(snapshot, {kHost}, *fetch, findings);
  CHECK(reader != std::this_thread::get_id());
  // The router's dump was read ahead, once: inspect did not ask again.
  CHECK(std::count(istiod.asked.begin(), istiod.asked.end(), kDumpPath) == 1);
  CHECK(std::find(istiod.asked.begin(), istiod.asked.end(), "/version") != istiod.asked.end());
  CHECK(statuses == std::vector<std::string>{"istiod's sync state", "config dumps 0/1 pods", "config dumps 1/1 pods",
                                             "config dumps 1/1 pods"});
  // The same findings and facts as reading everything at once.
  FixedIstiod fixed(read("syncz.json"), read("config_dump.json"));
  std::vector<Message> direct;
  deep::DeepReport same = deep::inspect(snapshot, {kHost}, fixed, direct);
  CHECK(deep::to_json(report).dump() == deep::to_json(same).dump());
  REQUIRE(findings.size() == direct.size());
  CHECK(findings[0].code == "GM0113");
}

TEST_CASE("deep: a Fetch fails as inspect would, and a failed read ahead matters only for a pod the check needs") {
  Snapshot snapshot;
  std::istringstream in(kObjects);
  load_files(snapshot, {"-"}, in, "default");
  std::vector<Message> findings;
  SUBCASE("istiod cannot be reached") {
    auto fetch = deep::Fetch::start([]() -> std::unique_ptr<deep::IstiodSource> {
      throw Error("--deep: no running istiod in namespace istio-system");
    });
    CHECK_THROWS_WITH_AS(deep::inspect(snapshot, {kHost}, *fetch, findings),
                         "--deep: no running istiod in namespace istio-system", Error);
  }
  SUBCASE("another gateway's dump fails: not needed, no failure") {
    auto source = std::make_unique<MapIstiod>();
    json syncz = json::parse(read("syncz.json"));
    json other = syncz[0];
    other["proxy"] = "egress-1.istio-system";
    syncz.push_back(other);
    source->bodies["/debug/syncz"] = {200, syncz.dump()};
    source->bodies[kDumpPath] = {200, read("config_dump.json")};
    source->bodies["/debug/config_dump?proxyID=egress-1.istio-system"] = {0, ""};
    MapIstiod& istiod = *source;
    auto fetch = deep::Fetch::start([&] { return std::unique_ptr<deep::IstiodSource>(std::move(source)); });
    deep::DeepReport report = deep::inspect(snapshot, {kHost}, *fetch, findings);
    CHECK(report.hosts.size() == 1);
    // The sequential default of get_each stopped at the failure: the
    // gateway's own dump was read by inspect then.
    CHECK(std::count(istiod.asked.begin(), istiod.asked.end(), kDumpPath) == 1);
  }
  SUBCASE("the needed gateway's dump fails: the check fails with istiod's error") {
    auto source = std::make_unique<MapIstiod>();
    source->bodies["/debug/syncz"] = {200, read("syncz.json")};
    source->bodies[kDumpPath] = {0, ""};
    auto fetch = deep::Fetch::start([&] { return std::unique_ptr<deep::IstiodSource>(std::move(source)); });
    CHECK_THROWS_WITH_AS(deep::inspect(snapshot, {kHost}, *fetch, findings),
                         "--deep: cannot reach istiod at test: connection refused", Error);
  }
  SUBCASE("a Fetch left before inspect reports no more progress, and its thread ends by itself") {
    auto istiod = std::make_shared<MapIstiod>();
    istiod->bodies["/debug/syncz"] = {200, read("syncz.json")};
    istiod->bodies[kDumpPath] = {200, read("config_dump.json")};
    istiod->hang = "/debug/syncz";
    auto source_gone = std::make_shared<std::atomic<bool>>(false);
    auto fetch_gone = std::make_shared<std::atomic<bool>>(false);
    auto late = std::make_shared<std::atomic<int>>(0);
    {
      auto fetch = deep::Fetch::start(
          [istiod, source_gone] { return std::unique_ptr<deep::IstiodSource>(new Borrowed(istiod, source_gone)); },
          [fetch_gone, late](std::string_view) {
            if (*fetch_gone) {
              ++*late;
            }
          });
      std::unique_lock lock(istiod->m);
      istiod->cv.wait(lock, [&] { return !istiod->asked.empty(); });
    }
    // The check failed before inspect: the Fetch is gone, its thread still
    // waits for istiod; released, it reads on (the router's dump) and ends.
    *fetch_gone = true;
    {
      std::lock_guard lock(istiod->m);
      istiod->released = true;
    }
    istiod->cv.notify_all();
    for (int i = 0; i < 500 && !*source_gone; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    CHECK(*source_gone);
    CHECK(*late == 0);
    std::lock_guard lock(istiod->m);
    CHECK(std::count(istiod->asked.begin(), istiod->asked.end(), kDumpPath) == 1);
  }
}

TEST_CASE("deep: the VirtualServices of a host found through the index are those that name a matching host, in order") {
  Snapshot snapshot;
  std::istringstream in(R"(
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: exact, namespace: a}
spec: {hosts: [a.example.com, a.example.com]}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: wildcard, namespace: a}
spec: {hosts: ["*.example.com"]}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: any, namespace: b}
spec: {hosts: ["*"]}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: other, namespace: b}
spec: {hosts: [b.example.com, a.example.com]}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: elsewhere, namespace: b}
spec: {hosts: [c.example.org]}
)");
  load_files(snapshot, {"-"}, in, "default");
  const deep::VirtualServiceIndex index(snapshot);
  auto names = [&](const std::string& host) {
    std::vector<std::string> out;
    for (const Resource* vs : index.serving(host)) {
      out.push_back(vs->name);
    }
    return out;
  };
  CHECK(names("a.example.com") == std::vector<std::string>{"exact", "wildcard", "any", "other"});
  CHECK(names("b.example.com") == std::vector<std::string>{"wildcard", "any", "other"});
  CHECK(names("c.example.org") == std::vector<std::string>{"any", "elsewhere"});
  CHECK(names("example.com") == std::vector<std::string>{"any"});
  // A wildcard host is matched by the hosts it covers too (mesh::host_matches).
  CHECK(names("*.example.com") == std::vector<std::string>{"exact", "wildcard", "any", "other"});
  // The same as asking every VirtualService.
  for (const std::string host : {"a.example.com", "b.example.com", "c.example.org", "x.y.example.com", "*.example.com"}) {
    std::vector<std::string> scan;
    for (const Resource& vs : snapshot.list(Kind::VirtualService)) {
      for (const std::string& h : check::mesh::hosts(vs)) {
        if (check::mesh::host_matches(h, host)) {
          scan.push_back(vs.name);
          break;
        }
      }
    }
    CHECK_MESSAGE(names(host) == scan, host);
  }
}
