#include "core/check/unrouted.hpp"

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <set>
#include <string>

using namespace grpcmesh::check;
using nlohmann::json;

namespace {

void add(Snapshot& s, Kind kind, const std::string& ns, const std::string& name, const json& spec) {
  s.add(Resource{kind, "networking.istio.io/v1", ns, name,
                 Tree(json{{"metadata", {{"name", name}, {"namespace", ns}}}, {"spec", spec}}), {}});
}

json server(const json& hosts, const std::string& protocol = "HTTPS", const json& tls = {{"mode", "SIMPLE"}},
            int port = 443) {
  json s = {{"port", {{"number", port}, {"name", "p"}, {"protocol", protocol}}}, {"hosts", hosts}};
  if (!tls.is_null()) {
    s["tls"] = tls;
  }
  return s;
}

void gateway(Snapshot& s, const std::string& ns, const std::string& name, const json& servers) {
  add(s, Kind::Gateway, ns, name, {{"selector", {{"istio", "ingressgateway"}}}, {"servers", servers}});
}

void route(Snapshot& s, const std::string& ns, const std::string& name, const json& hosts, const json& gateways) {
  add(s, Kind::VirtualService, ns, name, {{"hosts", hosts}, {"gateways", gateways}});
}

// "namespace/gateway host" of each unrouted host.
std::set<std::string> unrouted(const Snapshot& s) {
  std::set<std::string> out;
  for (const UnroutedHost& u : unrouted_hosts(s)) {
    out.insert(u.gateway->namespace_name + "/" + u.gateway->name + " " + u.host);
  }
  return out;
}

}  // namespace

TEST_CASE("unrouted hosts: a server host no bound route intersects, wildcards matching either way") {
  Snapshot s;
  gateway(s, "istio-system", "gw", json::array({server({"a.example.com", "b.example.com", "*.wild.example.com"})}));
  gateway(s, "istio-system", "idle", json::array({server({"*"}, "HTTP", nullptr, 80)}));
  route(s, "istio-system", "a", {"a.example.com"}, {"gw"});
  route(s, "apps", "w", {"x.wild.example.com"}, {"istio-system/gw"});
  // a route for b bound to another gateway does not serve gw's b
  route(s, "istio-system", "b", {"b.example.com"}, {"idle"});
  CHECK(unrouted(s) == std::set<std::string>{"istio-system/gw b.example.com"});
  // a wildcard route serves a named server host
  route(s, "istio-system", "all", {"*.example.com"}, {"gw"});
  CHECK(unrouted(s).empty());
}

TEST_CASE("unrouted hosts: a server's namespace/ prefix admits only routes from that namespace") {
  Snapshot s;
  gateway(s, "istio-system", "gw",
          json::array({server({"apps/a.example.com", "./b.example.com", "*/c.example.com"})}));
  route(s, "other", "a", {"a.example.com"}, {"istio-system/gw"});  // wrong namespace
  route(s, "apps", "b", {"b.example.com"}, {"istio-system/gw"});   // "." is istio-system
  route(s, "apps", "c", {"c.example.com"}, {"istio-system/gw"});
  CHECK(unrouted(s) == std::set<std::string>{"istio-system/gw a.example.com", "istio-system/gw b.example.com"});
  route(s, "apps", "a", {"a.example.com"}, {"istio-system/gw"});
  route(s, "istio-system", "b", {"b.example.com"}, {"gw"});
  CHECK(unrouted(s).empty());
}

TEST_CASE("unrouted hosts: only servers that route HTTP, redirect and passthrough servers need no route") {
  Snapshot s;
  gateway(s, "istio-system", "gw",
          json::array({server({"redirect.example.com"}, "HTTP", {{"httpsRedirect", true}}),
                       server({"pass.example.com"}, "HTTPS", {{"mode", "PASSTHROUGH"}}),
                       server({"auto.example.com"}, "TLS", {{"mode", "AUTO_PASSTHROUGH"}}),
                       server({"tcp.example.com"}, "TCP", nullptr),
                       server({"h2c.example.com"}, "HTTP2", nullptr),
                       server({"grpc.example.com"}, "GRPC", nullptr),
                       server({"web.example.com"}, "GRPC-WEB", nullptr),
                       server({"mutual.example.com"}, "HTTPS", {{"mode", "MUTUAL"}})}));
  CHECK(unrouted(s) == std::set<std::string>{"istio-system/gw grpc.example.com", "istio-system/gw h2c.example.com",
                                             "istio-system/gw mutual.example.com", "istio-system/gw web.example.com"});
}
