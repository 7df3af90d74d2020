// The Gateway API --dry-run=client goldens (tests/testdata/dry-run-gateway-api:
// what init, tls and expose print with --api gateway-api), composed as a
// repository would hold them over the namespaces of
// tests/testdata/oracle/world-gateway-api.yaml, judged by Istio's own config
// generator, side by side with the Istio API goldens (tests/testdata/dry-run)
// for the same host: the same calls must meet the same fate on both. A gRPC
// call reaches the backend over HTTP/2 with no route timeout on every
// listener the goldens configure; gRPC-Web and the browser's preflight reach
// the same route (neither API's goldens add grpc_web or CORS); another
// service and another host find nothing. And the ReferenceGrant expose writes
// is needed: without it Istio does not send to the Service of the other
// namespace.
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "core/manifest/tls_secret.hpp"
#include "core/util/yaml.hpp"
#include "oracle_client.hpp"

namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

const std::string kHost = "grpc.example.com";
const std::string kGreeter = "outbound|50051||greeter.apps.svc.cluster.local";

fs::path testdata() { return fs::path(GRPCMESH_TESTDATA_DIR); }

json files(const std::string& world, const std::string& dir, const std::vector<std::string>& goldens) {
  json out = json::array({(testdata() / "oracle" / world).string()});
  for (const auto& g : goldens) {
    const fs::path p = testdata() / dir / (g + ".yaml");
    REQUIRE_MESSAGE(fs::exists(p), p);
    out.push_back(p.string());
  }
  return out;
}

json istio_files(const std::vector<std::string>& goldens) { return files("world.yaml", "dry-run", goldens); }

std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The tls-cert-key golden with the certificate and key it was made from
// (tests/testdata/tls) in place of REDACTED: Istio's Gateway API controller
// reads a Terminate listener's Secret when it generates the configuration
// and gives a listener whose Secret it cannot parse no filter chain at all
// (its Istio Gateway counterpart reads credentialName only through SDS,
// which the oracle does not model).
fs::path tls_cert_key_with_data() {
  static const oracle::TempDir dir;
  const fs::path out = dir.path() / "tls-cert-key.yaml";
  if (!fs::exists(out)) {
    json secret = grpcmesh::yaml::parse(slurp(testdata() / "dry-run-gateway-api" / "tls-cert-key.yaml"));
    REQUIRE(secret["data"]["tls.crt"] == "REDACTED");
    secret["data"]["tls.crt"] = grpcmesh::manifest::base64(slurp(testdata() / "tls" / "grpc.example.com.crt"));
    secret["data"]["tls.key"] = grpcmesh::manifest::base64(slurp(testdata() / "tls" / "grpc.example.com.key"));
    std::ofstream(out) << grpcmesh::yaml::dump(secret);
  }
  return out;
}

json gateway_api_files(const std::vector<std::string>& goldens) {
  json out = files("world-gateway-api.yaml", "dry-run-gateway-api", goldens);
  for (auto& f : out) {
    if (fs::path(f.get<std::string>()).filename() == "tls-cert-key.yaml") {
      f = tls_cert_key_with_data().string();
    }
  }
  return out;
}

json call(const std::string& name, bool tls, const std::string& path = "/helloworld.Greeter/SayHello",
          const std::string& host = kHost) {
  json c = {{"name", name},
            {"port", tls ? 443 : 80},
            {"authority", host},
            {"path", path},
            {"headers", {{"content-type", "application/grpc"}, {"te", "trailers"}}}};
  if (tls) {
    c["tls"] = "tls";
    c["alpn"] = "h2";
  }
  return c;
}

// What a client of the host tries: gRPC over TLS and over h2c, gRPC-Web and
// its preflight from a browser, a service nobody routes, a host nobody serves.
json calls() {
  json web = call("grpc-web", true);
  web["headers"] = {{"content-type", "application/grpc-web+proto"}, {"origin", "https://app.example.com"}};
  json preflight = call("preflight", true);
  preflight["method"] = "OPTIONS";
  preflight["headers"] = {{"origin", "https://app.example.com"}, {"access-control-request-method", "POST"}};
  return json::array({call("grpc https", true), call("grpc h2c", false), web, preflight,
                      call("other service", true, "/other.v1.Other/Get"),
                      call("unknown host", true, "/helloworld.Greeter/SayHello", "other.example.com")});
}

bool has_filter(const json& c, const std::string& name) {
  const json filters = c.value("httpFilters", json::array());
  return std::find(filters.begin(), filters.end(), name) != filters.end();
}

// The fate of a call, as both APIs must agree on it.
std::string fate(const json& c) {
  if (!c.value("error", "").empty()) {
    return "fails";
  }
  return fmt::format("{} over {}, timeout {}, grpc_web {}, cors {}", c.value("cluster", ""),
                     c.value("upstreamProtocol", ""), c.contains("timeoutMs") ? c["timeoutMs"].dump() : "none",
                     has_filter(c, "envoy.filters.http.grpc_web"), c.contains("cors") && !c["cors"].is_null());
}

struct Pair {
  std::string name;
  std::vector<std::string> istio;        // tests/testdata/dry-run
  std::vector<std::string> gateway_api;  // tests/testdata/dry-run-gateway-api
  bool https;
  bool h2c;
};

// A copy of a golden without its objects of `kind`, in a temporary file.
fs::path without_kind(const oracle::TempDir& dir, const std::string& golden, const std::string& kind) {
  std::vector<json> kept;
  for (const auto& doc : grpcmesh::yaml::parse_all(slurp(testdata() / "dry-run-gateway-api" / (golden + ".yaml")), golden)) {
    const json items = doc.value.value("kind", "") == "List" ? doc.value["items"] : json::array({doc.value});
    for (const auto& o : items) {
      if (o.value("kind", "") != kind) {
        kept.push_back(o);
      }
    }
  }
  const fs::path out = dir.path() / (golden + "-without-" + kind + ".yaml");
  std::ofstream(out) << grpcmesh::yaml::dump_all(kept);
  return out;
}

}  // namespace

TEST_CASE("Gateway API goldens route gRPC as Istio builds them, as the Istio API goldens do") {
  const std::vector<Pair> pairs = {
      {"https", {"init-https", "tls-cert-key", "expose-appprotocol"}, {"init-https", "tls-cert-key", "expose"}, true,
       false},
      {"https and h2c",
       {"init-https-h2c", "tls-cert-key", "expose-appprotocol"},
       {"init-https-h2c", "tls-cert-key", "expose"},
       true,
       true},
  };
  json batch = json::array();
  for (const auto& p : pairs) {
    batch.push_back({{"name", p.name + " (istio)"}, {"files", istio_files(p.istio)}, {"calls", calls()}});
    batch.push_back({{"name", p.name + " (gateway-api)"}, {"files", gateway_api_files(p.gateway_api)}, {"calls", calls()}});
  }
  const json results = oracle::run_batch(batch);
  for (size_t i = 0; i < pairs.size(); ++i) {
    const Pair& p = pairs[i];
    const json& istio = results[2 * i];
    const json& gw = results[2 * i + 1];
    INFO(p.name);
    for (const json* r : {&istio, &gw}) {
      REQUIRE_MESSAGE(r->value("error", "").empty(), r->dump());
      CHECK_MESSAGE((*r)["invalid"].empty(), "Istio's validation rejects: " << (*r)["invalid"].dump());
    }
    // The Gateway API gateway is the one istiod would deploy for the Gateway.
    REQUIRE(gw["gateways"].size() == 1);
    CHECK(gw["gateways"][0]["labels"].value("gateway.networking.k8s.io/gateway-name", "") == "grpc-example-com");
    for (size_t j = 0; j < gw["calls"].size(); ++j) {
      const json& a = istio["calls"][j];
      const json& b = gw["calls"][j];
      INFO(b.value("name", ""));
      INFO("istio: " << a.dump());
      INFO("gateway-api: " << b.dump());
      CHECK(fate(a) == fate(b));
    }
    const json& https = gw["calls"][0];
    const json& h2c = gw["calls"][1];
    for (const auto& served_call : {std::pair{p.https, &https}, std::pair{p.h2c, &h2c}}) {
      const bool served = served_call.first;
      const json* c = served_call.second;
      INFO(c->dump());
      if (!served) {
        CHECK(c->value("error", "") != "");
        continue;
      }
      CHECK(c->value("error", "") == "");
      CHECK(c->value("cluster", "") == kGreeter);
      CHECK(c->value("clusterFound", false));
      CHECK(c->value("upstreamProtocol", "") == "HTTP2");
      CHECK((*c)["timeoutMs"] == 0);
    }
    CHECK_MESSAGE(gw["calls"][4].value("error", "") == "no route", gw["calls"][4].dump());
    CHECK_MESSAGE(gw["calls"][5].value("error", "") != "", gw["calls"][5].dump());
  }
}

TEST_CASE("Gateway API goldens: one method routed, the others not") {
  const json method_calls = json::array({call("the method", true), call("another method", true, "/helloworld.Greeter/SayBye"),
                                         call("the method over h2c", false)});
  const json results = oracle::run_batch(json::array(
      {{{"name", "one method"},
        {"files", gateway_api_files({"init-https-h2c", "tls-cert-key", "expose-method"})},
        {"calls", method_calls}}}));
  const json& r = results[0];
  REQUIRE_MESSAGE(r.value("error", "").empty(), r.dump());
  CHECK(r["invalid"].empty());
  for (size_t j : {0u, 2u}) {
    const json& c = r["calls"][j];
    INFO(c.dump());
    CHECK(c.value("error", "") == "");
    CHECK(c.value("cluster", "") == "outbound|50051||greeter.istio-ingress.svc.cluster.local");
    CHECK(c.value("upstreamProtocol", "") == "HTTP2");  // appProtocol: grpc
  }
  CHECK_MESSAGE(r["calls"][1].value("error", "") == "no route", r["calls"][1].dump());
}

TEST_CASE("Gateway API goldens: the backend of another namespace needs expose's ReferenceGrant") {
  oracle::TempDir dir;
  const fs::path expose = without_kind(dir, "expose", "ReferenceGrant");
  json files = gateway_api_files({"init-https", "tls-cert-key"});
  files.push_back(expose.string());
  const json results = oracle::run_batch(
      json::array({{{"name", "no ReferenceGrant"}, {"files", files}, {"calls", json::array({call("grpc https", true)})}}}));
  const json& r = results[0];
  REQUIRE_MESSAGE(r.value("error", "").empty(), r.dump());
  const json& c = r["calls"][0];
  INFO(c.dump());
  CHECK(c.value("error", "") != "");
  CHECK(c.value("cluster", "") != kGreeter);
}

TEST_CASE("Gateway API goldens: stream's DestinationRule and web's EnvoyFilters, as with Istio's API") {
  const std::vector<std::string> base = {"init-https-h2c", "tls-cert-key", "expose"};
  auto with = [&](const std::string& extra) {
    std::vector<std::string> g = base;
    g.push_back(extra);
    return g;
  };
  const json batch = json::array(
      {{{"name", "stream (istio)"},
        {"files", istio_files({"init-https-h2c", "tls-cert-key", "expose-appprotocol", "stream"})},
        {"calls", calls()}},
       {{"name", "stream (gateway-api)"}, {"files", gateway_api_files(with("stream"))}, {"calls", calls()}},
       {{"name", "web (istio)"},
        {"files", istio_files({"init-https-h2c", "tls-cert-key", "expose-appprotocol", "web"})},
        {"calls", calls()}},
       {{"name", "web (gateway-api)"}, {"files", gateway_api_files(with("web"))}, {"calls", calls()}}});
  const json results = oracle::run_batch(batch);
  for (const auto& r : results) {
    INFO(r.value("name", ""));
    REQUIRE_MESSAGE(r.value("error", "").empty(), r.dump());
    CHECK_MESSAGE(r["invalid"].empty(), "Istio's validation rejects: " << r["invalid"].dump());
  }
  // stream: the same connection settings on the cluster the gRPC call reaches.
  for (size_t j : {0u, 1u}) {
    const json& a = results[0]["calls"][j];
    const json& b = results[1]["calls"][j];
    INFO("istio: " << a.dump());
    INFO("gateway-api: " << b.dump());
    CHECK(fate(a) == fate(b));
    CHECK(b.value("error", "") == "");
    CHECK(b.value("tcpKeepalive", false));
    CHECK(b["clusterIdleTimeoutMs"] == 86400000);
    CHECK(a["clusterIdleTimeoutMs"] == b["clusterIdleTimeoutMs"]);
  }
  // web: grpc_web first on every listener, as Istio's API's EnvoyFilter puts it.
  for (size_t j : {0u, 1u, 2u}) {
    const json& a = results[2]["calls"][j];
    const json& b = results[3]["calls"][j];
    INFO("istio: " << a.dump());
    INFO("gateway-api: " << b.dump());
    CHECK(b.value("error", "") == "");
    CHECK(b.value("cluster", "") == kGreeter);
    CHECK(b.value("upstreamProtocol", "") == "HTTP2");
    CHECK(b["httpFilters"][0] == "envoy.filters.http.grpc_web");
    CHECK(a["httpFilters"][0] == b["httpFilters"][0]);
  }
  // web: the CORS policy answers the preflight and allows the origin of the calls.
  const json& web = results[3]["calls"][2];
  const json& preflight = results[3]["calls"][3];
  INFO(web.dump());
  INFO(preflight.dump());
  CHECK(web["cors"].value("originAllowed", false));
  CHECK(preflight.value("error", "") == "");
  CHECK(preflight["cors"].value("preflight", false));
  CHECK(preflight["cors"].value("originAllowed", false));
}

TEST_CASE("Gateway API goldens: a Terminate listener whose Secret Istio cannot parse gets no listener") {
  // The golden as printed: tls.crt and tls.key REDACTED.
  const json printed = files("world-gateway-api.yaml", "dry-run-gateway-api", {"init-https-h2c", "tls-cert-key", "expose"});
  const json results = oracle::run_batch(
      json::array({{{"name", "redacted Secret"}, {"files", printed}, {"calls", json::array({call("grpc https", true), call("grpc h2c", false)})}}}));
  const json& r = results[0];
  REQUIRE_MESSAGE(r.value("error", "").empty(), r.dump());
  CHECK_MESSAGE(r["calls"][0].value("error", "") == "no listener", r["calls"][0].dump());
  CHECK_MESSAGE(r["calls"][1].value("cluster", "") == kGreeter, r["calls"][1].dump());
}

TEST_CASE("Gateway API goldens: init --client-ca makes Istio require client certificates, as init-mutual does") {
  oracle::TempDir dir;
  const json https_call = json::array({call("grpc https", true)});
  json no_config_map = gateway_api_files({"tls-cert-key", "expose"});
  no_config_map.push_back(without_kind(dir, "init-client-ca", "ConfigMap").string());
  const json results = oracle::run_batch(json::array(
      {{{"name", "mutual (istio)"},
        {"files", istio_files({"init-mutual", "tls-cert-key", "expose-appprotocol"})},
        {"calls", https_call}},
       {{"name", "client-ca (gateway-api)"},
        {"files", gateway_api_files({"init-client-ca", "tls-cert-key", "expose"})},
        {"calls", https_call}},
       {{"name", "no client-ca (gateway-api)"},
        {"files", gateway_api_files({"init-https", "tls-cert-key", "expose"})},
        {"calls", https_call}},
       {{"name", "client-ca without its ConfigMap (gateway-api)"}, {"files", no_config_map}, {"calls", https_call}}}));
  for (const auto& r : results) {
    INFO(r.value("name", ""));
    REQUIRE_MESSAGE(r.value("error", "").empty(), r.dump());
    CHECK_MESSAGE(r["invalid"].empty(), "Istio's validation rejects: " << r["invalid"].dump());
  }
  const json& istio = results[0]["calls"][0];
  const json& mutual = results[1]["calls"][0];
  const json& simple = results[2]["calls"][0];
  const json& broken = results[3]["calls"][0];
  INFO("istio: " << istio.dump());
  INFO("gateway-api: " << mutual.dump());
  INFO("gateway-api without --client-ca: " << simple.dump());
  INFO("gateway-api without the ConfigMap: " << broken.dump());
  // The same route, and the listener asks for a client certificate on both APIs.
  CHECK(fate(istio) == fate(mutual));
  CHECK(mutual.value("cluster", "") == kGreeter);
  CHECK(istio.value("requireClientCertificate", false));
  CHECK(mutual.value("requireClientCertificate", false));
  // The CA comes from the ConfigMap init wrote, in the Gateway's namespace.
  CHECK(mutual.value("clientCA", "") == "configmap://istio-ingress/grpc-example-com-client-ca-cacert");
  CHECK(mutual["serverCertificates"] ==
        json::array({"kubernetes-gateway://istio-ingress/grpc-example-com-tls"}));
  // Without --client-ca the same listener asks for none.
  CHECK(simple.value("error", "") == "");
  CHECK_FALSE(simple.value("requireClientCertificate", false));
  CHECK(simple.value("clientCA", "") == "");
  // Without the ConfigMap Istio does not serve the port at all: the ConfigMap init writes is needed.
  CHECK(broken.value("error", "") == "no listener");
}
