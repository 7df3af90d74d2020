// Two clashes istiod resolves one way, judged by Istio's own generator: for
// each variant, the oracle says which backend a gRPC call over TLS (port 443)
// and an h2c call (port 80) reach, and check's finding must name the same
// winner.
// - A GRPCRoute and an HTTPRoute on one Gateway and host taking the same
//   method paths (GM0075, gatewayapi_route_overlap.cpp): the GRPCRoute routes
//   to Service greeter, the HTTPRoute to Service web, so the backend a call
//   reaches names the route that took it.
// - An Istio Gateway selecting the pods istiod deploys for a Gateway API
//   Gateway, for the same host and port (GM0076 on plaintext, GM0077 with TLS
//   on both, gatewayapi_istio_gateway_clash.cpp): the VirtualService routes
//   to web, the GRPCRoute to greeter.
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <chrono>
#include <regex>
#include <sstream>

#include "core/check/analyzer.hpp"
#include "core/check/file_loader.hpp"
#include "oracle_client.hpp"
#include "scenarios.hpp"

namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using namespace grpcmesh::check;

std::chrono::system_clock::time_point fixture_now() { return std::chrono::system_clock::from_time_t(1780272000); }

const std::string kHost = "api.example.org";
const std::string kOld = "2026-01-01T00:00:00Z";
const std::string kNew = "2026-01-02T00:00:00Z";
const std::string kSayHello = "/helloworld.Greeter/SayHello";
const std::string kOther = "/helloworld.Greeter/Other";

json secret() {
  static const json data = [] {
    auto docs = oracle::read_fixture(fs::path(GRPCMESH_TESTDATA_DIR) / "check" / "ok-gatewayapi");
    return oracle::find(docs, "Secret")->at("data");
  }();
  return {{"apiVersion", "v1"},
          {"kind", "Secret"},
          {"metadata", {{"name", "api-cert"}, {"namespace", "apps"}}},
          {"type", "kubernetes.io/tls"},
          {"data", data}};
}

json service(const std::string& name) {
  return {{"apiVersion", "v1"},
          {"kind", "Service"},
          {"metadata", {{"name", name}, {"namespace", "apps"}}},
          {"spec",
           {{"selector", {{"app", name}}},
            {"ports", json::array({{{"name", "grpc"}, {"port", 50051}, {"targetPort", 50051}}})}}}};
}

json endpoints(const std::string& name) {
  return {{"apiVersion", "discovery.k8s.io/v1"},
          {"kind", "EndpointSlice"},
          {"metadata", {{"name", name + "-x7k2p"}, {"namespace", "apps"}, {"labels", {{"kubernetes.io/service-name", name}}}}},
          {"addressType", "IPv4"},
          {"ports", json::array({{{"name", "grpc"}, {"port", 50051}, {"protocol", "TCP"}}})},
          {"endpoints", json::array({{{"addresses", json::array({"10.0.0.5"})}, {"conditions", {{"ready", true}}}}})}};
}

json gateway(const std::string& created) {
  json listeners = json::array(
      {{{"name", "h2c"}, {"port", 80}, {"protocol", "HTTP"}, {"hostname", kHost}},
       {{"name", "https"},
        {"port", 443},
        {"protocol", "HTTPS"},
        {"hostname", kHost},
        {"tls", {{"mode", "Terminate"}, {"certificateRefs", json::array({{{"name", "api-cert"}}})}}}}});
  return {{"apiVersion", "gateway.networking.k8s.io/v1"},
          {"kind", "Gateway"},
          {"metadata", {{"name", "gw"}, {"namespace", "apps"}, {"creationTimestamp", created}}},
          {"spec", {{"gatewayClassName", "istio"}, {"listeners", listeners}}}};
}

json route(const std::string& kind, const std::string& name, const std::string& created, json rule, json parent,
           const std::string& backend) {
  rule["backendRefs"] = json::array({{{"name", backend}, {"port", 50051}}});
  return {{"apiVersion", "gateway.networking.k8s.io/v1"},
          {"kind", kind},
          {"metadata", {{"name", name}, {"namespace", "apps"}, {"creationTimestamp", created}}},
          {"spec",
           {{"parentRefs", json::array({std::move(parent)})},
            {"hostnames", json::array({kHost})},
            {"rules", json::array({std::move(rule)})}}}};
}

json call(int port, const std::string& path) {
  json c = {{"name", fmt::format("{} {}", port, path)},
            {"port", port},
            {"authority", kHost},
            {"path", path},
            {"headers", {{"content-type", "application/grpc"}, {"te", "trailers"}}}};
  if (port == 443) {
    c["tls"] = "tls";
    c["sni"] = kHost;
    c["alpn"] = "h2";
  }
  return c;
}

json calls() {
  return json::array({call(443, kSayHello), call(80, kSayHello), call(443, kOther), call(80, kOther)});
}

std::string listener_of(int port) { return port == 443 ? "https" : "h2c"; }

struct Variant {
  std::string name;
  oracle::Docs docs;
};

// The backend Service a call reaches ("web", "greeter"), or its error.
std::string reached(const json& answer) {
  if (!answer.value("error", "").empty()) {
    return "error: " + answer.value("error", "");
  }
  const std::string cluster = answer.value("cluster", "");  // outbound|50051||web.apps.svc.cluster.local
  const auto bars = cluster.rfind('|');
  const std::string host = bars == std::string::npos ? cluster : cluster.substr(bars + 1);
  return host.substr(0, host.find('.'));
}

std::vector<Message> analyse(const oracle::Docs& docs, const fs::path& file) {
  oracle::write_docs(docs, file);
  Snapshot snapshot;
  std::istringstream no_stdin;
  load_files(snapshot, {file.string()}, no_stdin, "default");
  return run(snapshot, all_analyzers(), fixture_now()).findings;
}

// Runs the variants through the oracle; returns per variant its findings and
// the oracle's answers.
std::vector<std::pair<std::vector<Message>, json>> judge(const std::vector<Variant>& variants) {
  oracle::TempDir dir;
  json batch = json::array();
  std::vector<std::vector<Message>> findings;
  for (size_t i = 0; i < variants.size(); ++i) {
    const fs::path file = dir.path() / fmt::format("{}.yaml", i);
    findings.push_back(analyse(variants[i].docs, file));
    batch.push_back({{"name", variants[i].name}, {"files", json::array({file.string()})}, {"calls", calls()}});
  }
  const json results = oracle::run_batch(batch);
  std::vector<std::pair<std::vector<Message>, json>> out;
  for (size_t i = 0; i < variants.size(); ++i) {
    REQUIRE_MESSAGE(results[i].value("error", "").empty(), variants[i].name << ": " << results[i].value("error", ""));
    CHECK_MESSAGE(results[i]["invalid"].empty(), variants[i].name << ": Istio rejects " << results[i]["invalid"].dump());
    out.emplace_back(std::move(findings[i]), results[i]["calls"]);
  }
  return out;
}

// --- GM0075 ---------------------------------------------------------------

// Whether a path list of GM0075 ("/a/b, /c/*, the paths matching R") holds `path`.
bool lists_path(const std::string& paths, const std::string& path) {
  std::stringstream in(paths);
  std::string item;
  while (std::getline(in, item, ',')) {
    item.erase(0, item.find_first_not_of(' '));
    if (item == path || item == "every path") {
      return true;
    }
    if (item.ends_with("/*") && path.starts_with(item.substr(0, item.size() - 1))) {
      return true;
    }
    const std::string regex = "the paths matching ";
    if (item.starts_with(regex) && std::regex_match(path, std::regex(item.substr(regex.size())))) {
      return true;
    }
  }
  return false;
}

// check's winner for a call: the backend of the route a GM0075 finding
// says takes it on the call's listener ("" when no finding speaks of it).
std::string check_winner(const std::vector<Message>& findings, int port, const std::string& path) {
  static const std::regex text(R"(^calls for \S+ to (.*) go to (GRPCRoute|HTTPRoute) apps/(\S+) rule \d+, not to .* on listener (.*) of Gateway )");
  for (const Message& m : findings) {
    std::smatch s;
    if (m.code != "GM0075" || !std::regex_search(m.text, s, text)) {
      continue;
    }
    const std::string listeners = ", " + s[4].str() + ",";
    if (listeners.find(", " + listener_of(port) + ",") == std::string::npos || !lists_path(s[1].str(), path)) {
      continue;
    }
    return s[2].str() == "GRPCRoute" ? "greeter" : "web";
  }
  return "";
}

struct Overlap {
  std::string name;
  json grpc_rule;
  json http_rule;
  std::string grpc_created = kNew;
  std::string http_created = kOld;
  json http_parent = {{"name", "gw"}};
  std::string grpc_name = "greeter";
  std::string http_name = "web";
  // the calls both routes match (on the listeners both attach to)
  std::vector<std::pair<int, std::string>> contested;
  // A catch-all losing them to the other route's narrower match: check says
  // nothing (that is what a catch-all is for), and Istio must send them to
  // this backend.
  std::string quiet = "";
};

json grpc_match(const std::string& service, const std::string& method = "", const std::string& type = "") {
  json m = json::object();
  if (!service.empty()) {
    m["service"] = service;
  }
  if (!method.empty()) {
    m["method"] = method;
  }
  if (!type.empty()) {
    m["type"] = type;
  }
  return {{"matches", json::array({{{"method", m}}})}};
}

json http_path(const std::string& type, const std::string& value) {
  return {{"matches", json::array({{{"path", {{"type", type}, {"value", value}}}}})}};
}

std::vector<Overlap> overlaps() {
  const json service = grpc_match("helloworld.Greeter");
  const json method = grpc_match("helloworld.Greeter", "SayHello");
  const json exact = http_path("Exact", kSayHello);
  const json prefix = http_path("PathPrefix", "/helloworld.Greeter");
  const json root = http_path("PathPrefix", "/");
  const std::vector<std::pair<int, std::string>> say_hello = {{443, kSayHello}, {80, kSayHello}};
  const std::vector<std::pair<int, std::string>> all = {{443, kSayHello}, {80, kSayHello}, {443, kOther}, {80, kOther}};
  std::vector<Overlap> out = {
      {"service / exact path, HTTPRoute older", service, exact, kNew, kOld, {{"name", "gw"}}, "greeter", "web", say_hello},
      {"service / exact path, GRPCRoute older", service, exact, kOld, kNew, {{"name", "gw"}}, "greeter", "web", say_hello},
      {"method / exact path, HTTPRoute older", method, exact, kNew, kOld, {{"name", "gw"}}, "greeter", "web", say_hello},
      {"method / exact path, GRPCRoute older", method, exact, kOld, kNew, {{"name", "gw"}}, "greeter", "web", say_hello},
      {"method / exact path, same age, names greeter and web", method, exact, kOld, kOld, {{"name", "gw"}}, "greeter",
       "web", say_hello},
      {"method / exact path, same age, names zz and aa", method, exact, kOld, kOld, {{"name", "gw"}}, "zz", "aa",
       say_hello},
      {"service / path prefix of the service, HTTPRoute older", service, prefix, kNew, kOld, {{"name", "gw"}}, "greeter",
       "web", all},
      {"service / PathPrefix /, HTTPRoute older", service, root, kNew, kOld, {{"name", "gw"}}, "greeter", "web", all,
       "greeter"},
      {"method without service (regex) / PathPrefix /", grpc_match("", "SayHello"), root, kNew, kOld, {{"name", "gw"}},
       "greeter", "web", say_hello},
      {"service regex / exact path", grpc_match("helloworld.Greeter", "", "RegularExpression"), exact, kOld, kNew,
       {{"name", "gw"}}, "greeter", "web", {}},
      {"no GRPCRoute match / exact path", json::object(), exact, kOld, kNew, {{"name", "gw"}}, "greeter", "web",
       say_hello, "web"},
      {"service / exact path, HTTPRoute on h2c only", service, exact, kNew, kOld, {{"name", "gw"}, {"sectionName", "h2c"}},
       "greeter", "web", {{80, kSayHello}}},
      {"service / unrelated exact path", service, http_path("Exact", "/other.Svc/Get"), kNew, kOld, {{"name", "gw"}},
       "greeter", "web", {}},
  };
  return out;
}

// --- GM0076 and GM0077 ------------------------------------------------------

json deployed_service() {
  json ports = json::array();
  for (int p : {80, 443}) {
    ports.push_back({{"name", p == 80 ? "h2c" : "https"}, {"port", p}, {"targetPort", p}, {"protocol", "TCP"}});
  }
  return {{"apiVersion", "v1"},
          {"kind", "Service"},
          {"metadata", {{"name", "gw-istio"}, {"namespace", "apps"}, {"labels", {{"gateway.networking.k8s.io/gateway-name", "gw"}}}}},
          {"spec",
           {{"type", "LoadBalancer"}, {"selector", {{"gateway.networking.k8s.io/gateway-name", "gw"}}}, {"ports", ports}}}};
}

json istio_gateway(const std::string& created, bool tls) {
  json server = {{"port", {{"number", 80}, {"name", "http"}, {"protocol", "HTTP"}}}, {"hosts", json::array({kHost})}};
  if (tls) {
    server = {{"port", {{"number", 443}, {"name", "https"}, {"protocol", "HTTPS"}}},
              {"hosts", json::array({kHost})},
              {"tls", {{"mode", "SIMPLE"}, {"credentialName", "api-cert"}}}};
  }
  return {{"apiVersion", "networking.istio.io/v1"},
          {"kind", "Gateway"},
          {"metadata", {{"name", "legacy"}, {"namespace", "apps"}, {"creationTimestamp", created}}},
          {"spec", {{"selector", {{"gateway.networking.k8s.io/gateway-name", "gw"}}}, {"servers", json::array({server})}}}};
}

json virtual_service(const std::string& prefix) {
  json rule = {{"route", json::array({{{"destination", {{"host", "web"}, {"port", {{"number", 50051}}}}}}})}};
  if (!prefix.empty()) {
    rule["match"] = json::array({{{"uri", {{"prefix", prefix}}}}});
  }
  return {{"apiVersion", "networking.istio.io/v1"},
          {"kind", "VirtualService"},
          {"metadata", {{"name", "legacy"}, {"namespace", "apps"}}},
          {"spec", {{"hosts", json::array({kHost})}, {"gateways", json::array({"legacy"})}, {"http", json::array({rule})}}}};
}

oracle::Docs common(const std::string& gateway_created) {
  return {gateway(gateway_created), secret(), service("greeter"), endpoints("greeter"), service("web"), endpoints("web")};
}

}  // namespace

TEST_CASE("GRPCRoute and HTTPRoute on one host: check names the route Istio sends each call to") {
  const auto cases = overlaps();
  std::vector<Variant> variants;
  for (const Overlap& o : cases) {
    oracle::Docs docs = common(kOld);
    docs.push_back(route("GRPCRoute", o.grpc_name, o.grpc_created, o.grpc_rule, {{"name", "gw"}}, "greeter"));
    docs.push_back(route("HTTPRoute", o.http_name, o.http_created, o.http_rule, o.http_parent, "web"));
    variants.push_back({o.name, std::move(docs)});
  }
  const auto judged = judge(variants);
  int contested = 0;
  int agreed = 0;
  for (size_t i = 0; i < cases.size(); ++i) {
    const auto& [findings, answers] = judged[i];
    const json asked = calls();
    for (size_t j = 0; j < asked.size(); ++j) {
      const int port = asked[j]["port"].get<int>();
      const std::string path = asked[j]["path"].get<std::string>();
      const std::string istio = reached(answers[j]);
      const std::string mine = check_winner(findings, port, path);
      const bool both = std::find(cases[i].contested.begin(), cases[i].contested.end(), std::make_pair(port, path)) !=
                        cases[i].contested.end();
      INFO(cases[i].name, ": port ", port, " ", path, ": Istio reaches ", istio, ", check's finding names ",
           mine.empty() ? std::string("none") : mine);
      if (both && !cases[i].quiet.empty()) {
        ++contested;
        CHECK(mine.empty());
        CHECK(istio == cases[i].quiet);
        agreed += mine.empty() && istio == cases[i].quiet ? 1 : 0;
      } else if (both) {
        ++contested;
        CHECK(mine == istio);
        agreed += mine == istio ? 1 : 0;
      } else {
        // no clash on this call: check says nothing about it
        CHECK(mine.empty());
      }
    }
  }
  MESSAGE(cases.size() << " GRPCRoute/HTTPRoute variants, " << contested << " contested calls (gRPC over TLS and h2c), "
                       << agreed << " where check names Istio's winner (or, for a catch-all losing to a narrower match, "
                       << "is silent and Istio picks the narrower)");
  CHECK(contested >= 20);
}

TEST_CASE("an Istio Gateway on the pods of a Gateway API Gateway: check says what Istio does with the clash") {
  struct Clash {
    std::string name;
    std::string istio_created;
    std::string gateway_created;
    bool tls;
    std::string prefix;  // the VirtualService's match ("" for a catch-all)
  };
  const std::vector<Clash> cases = {
      {"plaintext, Istio Gateway older", kOld, kNew, false, "/helloworld.Greeter/"},
      {"plaintext, Gateway API Gateway older", kNew, kOld, false, "/helloworld.Greeter/"},
      {"plaintext, Istio Gateway older, exact-length match", kOld, kNew, false, "/helloworld.Greeter/SayHello"},
      {"plaintext, Istio Gateway older, catch-all VirtualService", kOld, kNew, false, ""},
      {"TLS on both, Istio Gateway older", kOld, kNew, true, "/helloworld.Greeter/"},
      {"TLS on both, Gateway API Gateway older", kNew, kOld, true, "/helloworld.Greeter/"},
  };
  std::vector<Variant> variants;
  for (const Clash& c : cases) {
    oracle::Docs docs = common(c.gateway_created);
    docs.push_back(route("GRPCRoute", "greeter", kOld, grpc_match("helloworld.Greeter"), {{"name", "gw"}}, "greeter"));
    docs.push_back(deployed_service());
    docs.push_back(istio_gateway(c.istio_created, c.tls));
    docs.push_back(virtual_service(c.prefix));
    variants.push_back({c.name, std::move(docs)});
  }
  const auto judged = judge(variants);
  for (size_t i = 0; i < cases.size(); ++i) {
    const Clash& c = cases[i];
    const auto& [findings, answers] = judged[i];
    std::vector<const Message*> mine;
    for (const Message& m : findings) {
      if (m.code == "GM0076" || m.code == "GM0077") {
        mine.push_back(&m);
      }
    }
    INFO(c.name);
    REQUIRE(mine.size() == 1);
    const Message& m = *mine[0];
    const json asked = calls();
    for (size_t j = 0; j < asked.size(); ++j) {
      const int port = asked[j]["port"].get<int>();
      const std::string path = asked[j]["path"].get<std::string>();
      const std::string istio = reached(answers[j]);
      INFO("port ", port, " ", path, ": Istio reaches ", istio, "; check: ", m.code, " ", m.text);
      const int clash_port = c.tls ? 443 : 80;
      if (port != clash_port) {
        CHECK(istio == "greeter");  // only the GRPCRoute serves the other port
        continue;
      }
      if (c.tls) {
        // both servers kept: two filter chains match, which Envoy refuses
        CHECK(m.code == "GM0077");
        CHECK(m.level == Level::Error);
        CHECK(istio == "error: several filter chains");
        continue;
      }
      CHECK(m.code == "GM0076");
      const bool istio_first = m.text.find("the older one (Istio Gateway apps/legacy)") != std::string::npos;
      CHECK(istio_first == (c.istio_created < c.gateway_created));
      if (c.prefix.empty()) {
        // a catch-all comes last: the GRPCRoute keeps its service, the rest goes to the VirtualService
        CHECK(istio == (path.starts_with("/helloworld.Greeter/") ? "greeter" : "web"));
      } else if (path.starts_with(c.prefix)) {
        // both match: the routes bound to the older Gateway come first
        CHECK(istio == (istio_first ? "web" : "greeter"));
      } else {
        CHECK(istio == "greeter");
      }
    }
  }
}
