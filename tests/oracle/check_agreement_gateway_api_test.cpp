// check must agree with Istio on Gateway API snapshots too: for every host of
// a few base setups (a Gateway with a GRPCRoute to a Service: h2c, HTTPS
// Terminate, both, across namespaces with ReferenceGrants, a shared Gateway
// with several listeners) and of every mutation generated from them,
// check's verdict on the gRPC path (an error on a hop of the host's path, or
// no attached GRPCRoute serving the host, means the call fails) must be the
// one Istio's own generator gives: every listener a client of the host calls
// (the base setup's) routes gRPC to a backend cluster that speaks HTTP/2.
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <chrono>
#include <functional>
#include <map>
#include <set>
#include <sstream>
#include <tuple>

#include "core/check/analyzer.hpp"
#include "core/check/file_loader.hpp"
#include "core/check/gatewayapi.hpp"
#include "oracle_client.hpp"
#include "scenarios.hpp"

namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using namespace grpcmesh::check;

// The clock the fixtures' certificates are dated from (2026-06-01).
std::chrono::system_clock::time_point fixture_now() { return std::chrono::system_clock::from_time_t(1780272000); }

const std::string kHost = "api.example.org";  // the host the fixture certificate is for
const std::string kWebHost = "web.example.org";

// Codes left out of the verdict: facts the oracle cannot see (endpoint
// readiness; certificate dates, names and key pairs, which Istio's
// simulation does not check; a Secret it cannot parse it does see).
const std::set<std::string_view>& excluded_codes() {
  static const std::set<std::string_view> codes = {"GM0030", "GM0025", "GM0026", "GM0027", "GM0028", "GM0029"};
  return codes;
}

// --- the objects -----------------------------------------------------------

json secret_data() {
  static const json data = [] {
    auto docs = oracle::read_fixture(fs::path(GRPCMESH_TESTDATA_DIR) / "check" / "ok-gatewayapi");
    return oracle::find(docs, "Secret")->at("data");
  }();
  return data;
}

json secret(const std::string& ns, const std::string& name = "api-cert") {
  return {{"apiVersion", "v1"},
          {"kind", "Secret"},
          {"metadata", {{"name", name}, {"namespace", ns}}},
          {"type", "kubernetes.io/tls"},
          {"data", secret_data()}};
}

json service(const std::string& ns, const std::string& name = "greeter") {
  return {{"apiVersion", "v1"},
          {"kind", "Service"},
          {"metadata", {{"name", name}, {"namespace", ns}}},
          {"spec",
           {{"selector", {{"app", name}}},
            {"ports", json::array({{{"name", "grpc"}, {"port", 50051}, {"targetPort", 50051}}})}}}};
}

json endpoints(const std::string& ns, const std::string& name = "greeter") {
  return {{"apiVersion", "discovery.k8s.io/v1"},
          {"kind", "EndpointSlice"},
          {"metadata", {{"name", name + "-x7k2p"}, {"namespace", ns}, {"labels", {{"kubernetes.io/service-name", name}}}}},
          {"addressType", "IPv4"},
          {"ports", json::array({{{"name", "grpc"}, {"port", 50051}, {"protocol", "TCP"}}})},
          {"endpoints", json::array({{{"addresses", json::array({"10.0.0.5"})}, {"conditions", {{"ready", true}}}}})}};
}

json h2c_listener(const std::string& name, const std::string& host) {
  return {{"name", name}, {"port", 80}, {"protocol", "HTTP"}, {"hostname", host}};
}

json https_listener(const std::string& name, const std::string& host, const json& cert_ref = {{"name", "api-cert"}}) {
  return {{"name", name},
          {"port", 443},
          {"protocol", "HTTPS"},
          {"hostname", host},
          {"tls", {{"mode", "Terminate"}, {"certificateRefs", json::array({cert_ref})}}}};
}

json gateway(const std::string& ns, const std::string& name, json listeners) {
  return {{"apiVersion", "gateway.networking.k8s.io/v1"},
          {"kind", "Gateway"},
          {"metadata", {{"name", name}, {"namespace", ns}}},
          {"spec", {{"gatewayClassName", "istio"}, {"listeners", std::move(listeners)}}}};
}

json grpc_route(const std::string& ns, const std::string& name, json parent_ref, const std::string& host,
                json backend_ref) {
  return {{"apiVersion", "gateway.networking.k8s.io/v1"},
          {"kind", "GRPCRoute"},
          {"metadata", {{"name", name}, {"namespace", ns}}},
          {"spec",
           {{"parentRefs", json::array({std::move(parent_ref)})},
            {"hostnames", json::array({host})},
            {"rules", json::array({{{"matches", json::array({{{"method", {{"service", "helloworld.Greeter"}}}}})},
                                    {"backendRefs", json::array({std::move(backend_ref)})}}})}}}};
}

json grant(const std::string& ns, const std::string& name, const std::string& from_kind, const std::string& from_ns,
           const std::string& to_kind) {
  json from = {{"group", "gateway.networking.k8s.io"}, {"kind", from_kind}, {"namespace", from_ns}};
  json to = {{"group", ""}, {"kind", to_kind}};
  return {{"apiVersion", "gateway.networking.k8s.io/v1beta1"},
          {"kind", "ReferenceGrant"},
          {"metadata", {{"name", name}, {"namespace", ns}}},
          {"spec", {{"from", json::array({from})}, {"to", json::array({to})}}}};
}

json call(const std::string& host, int port, bool tls) {
  json c = {{"name", fmt::format("{}:{}", host, port)},
            {"port", port},
            {"authority", host},
            {"path", "/helloworld.Greeter/SayHello"},
            {"headers", {{"content-type", "application/grpc"}, {"te", "trailers"}}}};
  if (tls) {
    c["tls"] = "tls";
    c["sni"] = host;
    c["alpn"] = "h2";
  }
  return c;
}

// --- the base setups -------------------------------------------------------

struct Case {
  std::string name;
  std::string group;
  oracle::Docs docs;
  json calls;
};

Case base_h2c() {
  return {"h2c",
          "base",
          {gateway("apps", "gw", json::array({h2c_listener("h2c", kHost)})),
           grpc_route("apps", "greeter", {{"name", "gw"}}, kHost, {{"name", "greeter"}, {"port", 50051}}),
           service("apps"), endpoints("apps")},
          json::array({call(kHost, 80, false)})};
}

Case base_https() {
  return {"https",
          "base",
          {gateway("apps", "gw", json::array({https_listener("https", kHost)})), secret("apps"),
           grpc_route("apps", "greeter", {{"name", "gw"}}, kHost, {{"name", "greeter"}, {"port", 50051}}),
           service("apps"), endpoints("apps")},
          json::array({call(kHost, 443, true)})};
}

Case base_both() {
  return {"https-and-h2c",
          "base",
          {gateway("apps", "gw", json::array({h2c_listener("h2c", kHost), https_listener("https", kHost)})),
           secret("apps"),
           grpc_route("apps", "greeter", {{"name", "gw"}}, kHost, {{"name", "greeter"}, {"port", 50051}}),
           service("apps"), endpoints("apps")},
          json::array({call(kHost, 443, true), call(kHost, 80, false)})};
}

// Gateway in gateways (listeners admitting routes of every namespace, the
// certificate from namespace certs), route in apps, backend in backends.
Case base_cross_namespace() {
  json listeners = json::array({h2c_listener("h2c", kHost),
                                https_listener("https", kHost, {{"name", "api-cert"}, {"namespace", "certs"}})});
  for (auto& l : listeners) {
    l["allowedRoutes"] = {{"namespaces", {{"from", "All"}}}};
  }
  return {"cross-namespace",
          "base",
          {gateway("gateways", "gw", listeners), secret("certs"),
           grant("certs", "gateways-certs", "Gateway", "gateways", "Secret"),
           grpc_route("apps", "greeter", {{"name", "gw"}, {"namespace", "gateways"}}, kHost,
                      {{"name", "greeter"}, {"namespace", "backends"}, {"port", 50051}}),
           grant("backends", "apps-routes", "GRPCRoute", "apps", "Service"), service("backends"), endpoints("backends")},
          json::array({call(kHost, 443, true), call(kHost, 80, false)})};
}

// One Gateway for two hosts: HTTPS for api, h2c for web, each route bound to
// its listener by sectionName.
Case base_shared() {
  return {"shared",
          "base",
          {gateway("gateways", "shared",
                   json::array({https_listener("api-https", kHost), h2c_listener("web-h2c", kWebHost)})),
           secret("gateways"),
           grpc_route("gateways", "api", {{"name", "shared"}, {"sectionName", "api-https"}}, kHost,
                      {{"name", "greeter"}, {"port", 50051}}),
           grpc_route("gateways", "web", {{"name", "shared"}, {"sectionName", "web-h2c"}}, kWebHost,
                      {{"name", "web"}, {"port", 50051}}),
           service("gateways"), endpoints("gateways"), service("gateways", "web"), endpoints("gateways", "web")},
          json::array({call(kHost, 443, true), call(kWebHost, 80, false)})};
}

// --- the mutations ---------------------------------------------------------

json& find(oracle::Docs& docs, const std::string& kind, const std::string& name = "") {
  json* d = oracle::find(docs, kind, name);
  REQUIRE_MESSAGE(d != nullptr, kind << " " << name);
  return *d;
}

void remove(oracle::Docs& docs, const std::string& kind, const std::string& name) {
  std::erase_if(docs, [&](const json& d) { return d.value("kind", "") == kind && d["metadata"].value("name", "") == name; });
}

struct Generator {
  std::vector<Case> out;
  void add(const Case& base, const std::string& group, const std::string& what,
           const std::function<void(oracle::Docs&)>& change) {
    Case c = base;
    c.name = base.name + "/" + what;
    c.group = group;
    change(c.docs);
    out.push_back(std::move(c));
  }
};

void port_protocol_mutations(Generator& g, const Case& base, const std::string& service_name) {
  const std::vector<std::string> names = {"grpc", "http2", "http", "tcp", "grpc-web", "api"};
  const std::vector<std::string> app_protocols = {"", "kubernetes.io/h2c", "grpc", "http", "kubernetes.io/ws"};
  for (const auto& n : names) {
    for (const auto& a : app_protocols) {
      g.add(base, "backend port protocol", fmt::format("{} name={} appProtocol={}", service_name, n, a.empty() ? "-" : a),
            [&](oracle::Docs& d) {
              json& port = find(d, "Service", service_name)["spec"]["ports"][0];
              port["name"] = n;
              if (!a.empty()) {
                port["appProtocol"] = a;
              }
            });
    }
  }
}

void backend_port_mutations(Generator& g, const Case& base) {
  for (int p : {50051, 50052, 8080}) {
    g.add(base, "backend port number", fmt::format("backendRef port {}", p), [&](oracle::Docs& d) {
      find(d, "GRPCRoute")["spec"]["rules"][0]["backendRefs"][0]["port"] = p;
    });
  }
  g.add(base, "backend port number", "Service port 50052 targetPort 50051", [&](oracle::Docs& d) {
    find(d, "Service", "greeter")["spec"]["ports"][0]["port"] = 50052;
  });
  // (Another Service stays: files without any Service skip the analyzers that read them.)
  g.add(base, "backend port number", "backend Service missing", [&](oracle::Docs& d) {
    json& svc = find(d, "Service", "greeter");
    svc["metadata"]["name"] = "unrelated";
  });
}

void hostname_mutations(Generator& g, const Case& base) {
  const std::vector<std::string> listener_hosts = {"", "*.example.org", "other.example.org", "*.other.org"};
  const std::vector<std::string> route_hosts = {"*.example.org", "other.example.org", ""};
  for (const auto& lh : listener_hosts) {
    g.add(base, "hostnames", fmt::format("listener hostname {}", lh.empty() ? "unset" : lh), [&](oracle::Docs& d) {
      for (auto& l : find(d, "Gateway")["spec"]["listeners"]) {
        if (lh.empty()) {
          l.erase("hostname");
        } else {
          l["hostname"] = lh;
        }
      }
    });
  }
  for (const auto& rh : route_hosts) {
    g.add(base, "hostnames", fmt::format("route hostname {}", rh.empty() ? "unset" : rh), [&](oracle::Docs& d) {
      json& spec = find(d, "GRPCRoute")["spec"];
      if (rh.empty()) {
        spec.erase("hostnames");
      } else {
        spec["hostnames"] = json::array({rh});
      }
    });
  }
  g.add(base, "hostnames", "route hostnames other.example.org and api.example.org", [&](oracle::Docs& d) {
    find(d, "GRPCRoute")["spec"]["hostnames"] = json::array({"other.example.org", kHost});
  });
  g.add(base, "hostnames", "listener *.example.org, route unset", [&](oracle::Docs& d) {
    for (auto& l : find(d, "Gateway")["spec"]["listeners"]) {
      l["hostname"] = "*.example.org";
    }
    find(d, "GRPCRoute")["spec"].erase("hostnames");
  });
}

void parent_ref_mutations(Generator& g, const Case& base, const std::vector<std::string>& sections,
                          const std::vector<int>& ports) {
  for (const auto& s : sections) {
    g.add(base, "parentRef", "sectionName " + s, [&](oracle::Docs& d) {
      find(d, "GRPCRoute")["spec"]["parentRefs"][0]["sectionName"] = s;
    });
  }
  for (int p : ports) {
    g.add(base, "parentRef", fmt::format("port {}", p), [&](oracle::Docs& d) {
      find(d, "GRPCRoute")["spec"]["parentRefs"][0]["port"] = p;
    });
  }
  g.add(base, "parentRef", "Gateway name other", [&](oracle::Docs& d) {
    find(d, "GRPCRoute")["spec"]["parentRefs"][0]["name"] = "other";
  });
}

// A wildcard listener next to the one naming the host on the same port.
void shared_port_mutations(Generator& g, const Case& base) {
  auto wild = [](oracle::Docs& d) {
    find(d, "Gateway")["spec"]["listeners"].push_back(h2c_listener("wild", "*.example.org"));
  };
  g.add(base, "listeners of one port", "wildcard listener too", wild);
  g.add(base, "listeners of one port", "wildcard listener too, route on it", [&](oracle::Docs& d) {
    wild(d);
    find(d, "GRPCRoute", "web")["spec"]["parentRefs"][0]["sectionName"] = "wild";
  });
  g.add(base, "listeners of one port", "wildcard listener too, api route on it", [&](oracle::Docs& d) {
    wild(d);
    find(d, "GRPCRoute", "api")["spec"]["parentRefs"][0]["sectionName"] = "wild";
  });
  g.add(base, "listeners of one port", "web listener hostname unset, route on it", [&](oracle::Docs& d) {
    find(d, "Gateway")["spec"]["listeners"][1].erase("hostname");
  });
}

void allowed_routes_mutations(Generator& g, const Case& base) {
  const std::vector<std::pair<std::string, json>> variants = {
      {"namespaces Same", {{"namespaces", {{"from", "Same"}}}}},
      {"namespaces All", {{"namespaces", {{"from", "All"}}}}},
      {"kinds GRPCRoute", {{"namespaces", {{"from", "All"}}}, {"kinds", json::array({{{"kind", "GRPCRoute"}}})}}},
      {"kinds HTTPRoute", {{"namespaces", {{"from", "All"}}}, {"kinds", json::array({{{"kind", "HTTPRoute"}}})}}},
      {"kinds HTTPRoute, GRPCRoute",
       {{"namespaces", {{"from", "All"}}}, {"kinds", json::array({{{"kind", "HTTPRoute"}}, {{"kind", "GRPCRoute"}}})}}},
      {"kinds HTTPRoute on https only", json()},
  };
  for (const auto& variant : variants) {
    const json& allowed = variant.second;
    g.add(base, "allowedRoutes", variant.first, [&](oracle::Docs& d) {
      for (auto& l : find(d, "Gateway")["spec"]["listeners"]) {
        if (allowed.is_null()) {
          if (l["protocol"] == "HTTPS") {
            l["allowedRoutes"]["kinds"] = json::array({{{"kind", "HTTPRoute"}}});
          }
        } else {
          l["allowedRoutes"] = allowed;
        }
      }
    });
  }
}

void reference_grant_mutations(Generator& g, const Case& base) {
  g.add(base, "ReferenceGrant", "backend grant absent", [](oracle::Docs& d) { remove(d, "ReferenceGrant", "apps-routes"); });
  g.add(base, "ReferenceGrant", "backend grant from HTTPRoute", [](oracle::Docs& d) {
    find(d, "ReferenceGrant", "apps-routes")["spec"]["from"][0]["kind"] = "HTTPRoute";
  });
  g.add(base, "ReferenceGrant", "backend grant from namespace other", [](oracle::Docs& d) {
    find(d, "ReferenceGrant", "apps-routes")["spec"]["from"][0]["namespace"] = "other";
  });
  g.add(base, "ReferenceGrant", "backend grant to Secret", [](oracle::Docs& d) {
    find(d, "ReferenceGrant", "apps-routes")["spec"]["to"][0]["kind"] = "Secret";
  });
  g.add(base, "ReferenceGrant", "backend grant to Service greeter", [](oracle::Docs& d) {
    find(d, "ReferenceGrant", "apps-routes")["spec"]["to"][0]["name"] = "greeter";
  });
  g.add(base, "ReferenceGrant", "backend grant to Service other", [](oracle::Docs& d) {
    find(d, "ReferenceGrant", "apps-routes")["spec"]["to"][0]["name"] = "other";
  });
  g.add(base, "ReferenceGrant", "backend grant in namespace apps", [](oracle::Docs& d) {
    find(d, "ReferenceGrant", "apps-routes")["metadata"]["namespace"] = "apps";
  });
  g.add(base, "ReferenceGrant", "certificate grant absent", [](oracle::Docs& d) {
    remove(d, "ReferenceGrant", "gateways-certs");
  });
  g.add(base, "ReferenceGrant", "certificate grant to Service", [](oracle::Docs& d) {
    find(d, "ReferenceGrant", "gateways-certs")["spec"]["to"][0]["kind"] = "Service";
  });
  g.add(base, "ReferenceGrant", "certificate grant from GRPCRoute", [](oracle::Docs& d) {
    find(d, "ReferenceGrant", "gateways-certs")["spec"]["from"][0]["kind"] = "GRPCRoute";
  });
  g.add(base, "ReferenceGrant", "certificate grant to Secret api-cert", [](oracle::Docs& d) {
    find(d, "ReferenceGrant", "gateways-certs")["spec"]["to"][0]["name"] = "api-cert";
  });
  g.add(base, "ReferenceGrant", "certificate grant to Secret other", [](oracle::Docs& d) {
    find(d, "ReferenceGrant", "gateways-certs")["spec"]["to"][0]["name"] = "other";
  });
  g.add(base, "ReferenceGrant", "backend in the route's namespace, no grant", [](oracle::Docs& d) {
    remove(d, "ReferenceGrant", "apps-routes");
    find(d, "GRPCRoute")["spec"]["rules"][0]["backendRefs"][0].erase("namespace");
    find(d, "Service", "greeter")["metadata"]["namespace"] = "apps";
    find(d, "EndpointSlice")["metadata"]["namespace"] = "apps";
  });
}

void certificate_mutations(Generator& g, const Case& base) {
  g.add(base, "certificateRefs", "Secret namespace other, with no grant", [](oracle::Docs& d) {
    for (auto& l : find(d, "Gateway")["spec"]["listeners"]) {
      if (l.contains("tls")) {
        l["tls"]["certificateRefs"][0]["namespace"] = "other";
      }
    }
  });
  // (Another Secret stays: files without any Secret skip the analyzers that read them.)
  g.add(base, "certificateRefs", "Secret missing", [](oracle::Docs& d) {
    find(d, "Secret", "api-cert")["metadata"]["name"] = "unrelated";
  });
  g.add(base, "certificateRefs", "Secret name other", [](oracle::Docs& d) {
    for (auto& l : find(d, "Gateway")["spec"]["listeners"]) {
      if (l.contains("tls")) {
        l["tls"]["certificateRefs"][0]["name"] = "other";
      }
    }
  });
  g.add(base, "certificateRefs", "Secret data not PEM", [](oracle::Docs& d) {
    json& s = find(d, "Secret", "api-cert");
    s["data"]["tls.crt"] = "bm90IGEgY2VydGlmaWNhdGU=";
  });
  g.add(base, "certificateRefs", "Secret without tls.key", [](oracle::Docs& d) {
    find(d, "Secret", "api-cert")["data"].erase("tls.key");
  });
}

// An HTTPRoute next to the GRPCRoute on the same Gateway and host (to the
// same backend): whichever takes a call, it reaches the HTTP/2 backend, and
// GM0075 (a warning) does not change check's verdict.
void route_overlap_mutations(Generator& g, const Case& base) {
  const std::vector<std::pair<std::string, json>> matches = {
      {"Exact /helloworld.Greeter/SayHello", {{"path", {{"type", "Exact"}, {"value", "/helloworld.Greeter/SayHello"}}}}},
      {"PathPrefix /helloworld.Greeter", {{"path", {{"type", "PathPrefix"}, {"value", "/helloworld.Greeter"}}}}},
      {"PathPrefix /", {{"path", {{"type", "PathPrefix"}, {"value", "/"}}}}},
  };
  for (const auto& m : matches) {
    const json& match = m.second;
    g.add(base, "GRPCRoute and HTTPRoute on one host", "HTTPRoute " + m.first, [&](oracle::Docs& d) {
      json r = find(d, "GRPCRoute");
      r["kind"] = "HTTPRoute";
      r["metadata"]["name"] = "web";
      r["spec"]["rules"][0]["matches"] = json::array({match});
      d.push_back(r);
    });
  }
}

// An Istio Gateway selecting the pods istiod deploys for the Gateway API
// Gateway (with that Service in the files, so both sides see the same pods)
// and a VirtualService for the host: on the plaintext port the two merge and
// the host is still routed (GM0076, a warning); with TLS on both for the host
// the port gets two filter chains alike, and Istio's generator finds the TLS
// call matching both (GM0077, an error).
void istio_gateway_mutations(Generator& g, const Case& base) {
  json deployed = {{"apiVersion", "v1"},
                   {"kind", "Service"},
                   {"metadata", {{"name", "gw-istio"}, {"namespace", "apps"}}},
                   {"spec",
                    {{"type", "LoadBalancer"},
                     {"selector", {{"gateway.networking.k8s.io/gateway-name", "gw"}}},
                     {"ports", json::array({{{"name", "h2c"}, {"port", 80}, {"targetPort", 80}},
                                            {{"name", "https"}, {"port", 443}, {"targetPort", 443}}})}}}};
  json http = {{"port", {{"number", 80}, {"name", "http"}, {"protocol", "HTTP"}}}, {"hosts", json::array({kHost})}};
  json https = {{"port", {{"number", 443}, {"name", "https"}, {"protocol", "HTTPS"}}},
                {"hosts", json::array({kHost})},
                {"tls", {{"mode", "SIMPLE"}, {"credentialName", "api-cert"}}}};
  json vs = {{"apiVersion", "networking.istio.io/v1"},
             {"kind", "VirtualService"},
             {"metadata", {{"name", "legacy"}, {"namespace", "apps"}}},
             {"spec",
              {{"hosts", json::array({kHost})},
               {"gateways", json::array({"legacy"})},
               {"http", json::array({{{"match", json::array({{{"uri", {{"prefix", "/helloworld.Greeter/"}}}}})},
                                      {"route", json::array({{{"destination", {{"host", "greeter"}, {"port", {{"number", 50051}}}}}}})}}})}}}};
  const std::vector<std::tuple<std::string, json, std::string>> variants = {
      {"Istio Gateway older, plaintext server", json::array({http}), "2026-01-01T00:00:00Z"},
      {"Istio Gateway newer, plaintext server", json::array({http}), "2027-01-01T00:00:00Z"},
      {"TLS server", json::array({https}), "2026-01-01T00:00:00Z"},
      {"plaintext and TLS servers", json::array({http, https}), "2027-01-01T00:00:00Z"},
  };
  for (const auto& v : variants) {
    const json& servers = std::get<1>(v);
    const std::string& created = std::get<2>(v);
    g.add(base, "Istio Gateway on the same pods", std::get<0>(v), [&](oracle::Docs& d) {
      d.push_back(deployed);
      d.push_back({{"apiVersion", "networking.istio.io/v1"},
                   {"kind", "Gateway"},
                   {"metadata", {{"name", "legacy"}, {"namespace", "apps"}, {"creationTimestamp", created}}},
                   {"spec", {{"selector", {{"gateway.networking.k8s.io/gateway-name", "gw"}}}, {"servers", servers}}}});
      d.push_back(vs);
    });
  }
}

std::vector<Case> bases() { return {base_h2c(), base_https(), base_both(), base_cross_namespace(), base_shared()}; }

std::vector<Case> mutations() {
  Generator g;
  port_protocol_mutations(g, base_h2c(), "greeter");
  port_protocol_mutations(g, base_shared(), "web");
  backend_port_mutations(g, base_h2c());
  backend_port_mutations(g, base_cross_namespace());
  hostname_mutations(g, base_h2c());
  hostname_mutations(g, base_both());
  parent_ref_mutations(g, base_both(), {"h2c", "https", "grpc"}, {80, 443, 8080});
  parent_ref_mutations(g, base_shared(), {"web-h2c", "api"}, {80, 443});
  shared_port_mutations(g, base_shared());
  allowed_routes_mutations(g, base_both());
  allowed_routes_mutations(g, base_cross_namespace());
  reference_grant_mutations(g, base_cross_namespace());
  certificate_mutations(g, base_https());
  certificate_mutations(g, base_both());
  route_overlap_mutations(g, base_both());
  istio_gateway_mutations(g, base_both());
  return g.out;
}

// --- the verdicts ----------------------------------------------------------

struct Verdict {
  bool reaches = false;
  std::string why;
};

// check's verdict per host: an error on a hop of the path of the host (a
// finding drawn on it, on a wildcard covering it, or on no host) breaks it;
// without an attached GRPCRoute serving the host no call is routed.
Verdict check_verdict(const Result& result, const Snapshot& snapshot, const std::string& host) {
  Verdict v{true, ""};
  if (!gatewayapi::grpc_route_serves(snapshot, host)) {
    v = {false, "no GRPCRoute serves the host"};
  }
  for (const auto& f : result.findings) {
    if (f.level != Level::Error || f.hop == Hop::None || excluded_codes().count(f.code) != 0) {
      continue;
    }
    if (!f.host.empty() && (f.host.starts_with("*.") ? !gatewayapi::hostnames_intersect(f.host, host) : f.host != host)) {
      continue;
    }
    v.reaches = false;
    v.why += (v.why.empty() ? "" : "; ") + std::string(f.code) + " " + f.text;
  }
  return v;
}

// Istio's: every call to the host reaches a cluster that exists and speaks
// HTTP/2 to the backend.
Verdict oracle_verdict(const json& asked, const json& answers, const std::string& host) {
  Verdict v{true, ""};
  int n = 0;
  for (size_t j = 0; j < asked.size(); ++j) {
    if (asked[j].value("authority", "") != host) {
      continue;
    }
    ++n;
    const json& c = answers.at(j);
    std::string why;
    if (!c.value("error", "").empty()) {
      why = c.value("error", "");
    } else if (!c.value("clusterFound", false)) {
      why = "no cluster " + c.value("cluster", "");
    } else if (c.value("upstreamProtocol", "") != "HTTP2") {
      why = "upstream " + c.value("upstreamProtocol", "") + " to " + c.value("cluster", "");
    }
    if (!why.empty()) {
      v.reaches = false;
      v.why += (v.why.empty() ? "" : "; ") + fmt::format("port {}: {}", asked[j].value("port", 0), why);
    } else if (v.reaches) {
      v.why += (v.why.empty() ? "" : "; ") + fmt::format("port {}: {}", asked[j].value("port", 0), c.value("cluster", ""));
    }
  }
  REQUIRE(n > 0);
  return v;
}

struct Tally {
  int agree = 0;
  int total = 0;
  int fails = 0;  // hosts Istio does not reach
};

std::vector<std::string> compare(const std::vector<Case>& cases, std::map<std::string, Tally>& tally) {
  oracle::TempDir dir;
  json batch = json::array();
  for (size_t i = 0; i < cases.size(); ++i) {
    const fs::path file = dir.path() / fmt::format("{}.yaml", i);
    oracle::write_docs(cases[i].docs, file);
    batch.push_back({{"name", cases[i].name}, {"files", json::array({file.string()})}, {"calls", cases[i].calls}});
  }
  const json results = oracle::run_batch(batch);
  std::vector<std::string> disagreements;
  for (size_t i = 0; i < cases.size(); ++i) {
    const Case& c = cases[i];
    const json& r = results[i];
    REQUIRE_MESSAGE(r.value("error", "").empty(), c.name << ": " << r.value("error", ""));
    CHECK_MESSAGE(r["invalid"].empty(), c.name << ": Istio's validation rejects " << r["invalid"].dump());
    Snapshot snapshot;
    std::istringstream no_stdin;
    load_files(snapshot, {(dir.path() / fmt::format("{}.yaml", i)).string()}, no_stdin, "default");
    const Result result = run(snapshot, all_analyzers(), fixture_now());
    std::set<std::string> hosts;
    for (const auto& call : c.calls) {
      hosts.insert(call["authority"].get<std::string>());
    }
    for (const auto& host : hosts) {
      const Verdict theirs = oracle_verdict(c.calls, r["calls"], host);
      const Verdict mine = check_verdict(result, snapshot, host);
      auto& t = tally[c.group];
      ++t.total;
      t.fails += theirs.reaches ? 0 : 1;
      if (mine.reaches == theirs.reaches) {
        ++t.agree;
        continue;
      }
      disagreements.push_back(fmt::format("{} host {}: check says {} ({}), Istio says {} ({})", c.name, host,
                                          mine.reaches ? "it reaches" : "it fails", mine.why,
                                          theirs.reaches ? "it reaches" : "it fails", theirs.why));
    }
  }
  return disagreements;
}

std::string report(const std::map<std::string, Tally>& tally) {
  std::string out;
  for (const auto& [group, t] : tally) {
    out += fmt::format("  {}: {}/{} hosts agree ({} of them not reached)\n", group, t.agree, t.total, t.fails);
  }
  return out;
}

}  // namespace

TEST_CASE("check agrees with Istio on the Gateway API base setups") {
  const auto cases = bases();
  std::map<std::string, Tally> tally;
  const auto disagreements = compare(cases, tally);
  MESSAGE(cases.size() << " Gateway API setups judged by Istio's generator:\n" << report(tally));
  for (const auto& d : disagreements) {
    FAIL_CHECK(d);
  }
  CHECK(tally["base"].fails == 0);
  CHECK(disagreements.empty());
}

TEST_CASE("check agrees with Istio on mutations of the Gateway API setups") {
  const auto cases = mutations();
  REQUIRE(cases.size() >= 100);
  std::map<std::string, Tally> tally;
  const auto disagreements = compare(cases, tally);
  MESSAGE(cases.size() << " Gateway API mutations judged by Istio's generator:\n" << report(tally));
  for (const auto& d : disagreements) {
    FAIL_CHECK(d);
  }
  CHECK(disagreements.empty());
}
