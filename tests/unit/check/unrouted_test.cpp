#include "core/check/unrouted.hpp"

#include <doctest/doctest.h>

#include <cstdint>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "core/check/mesh.hpp"

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

namespace {

// The rule as it reads, asked for each host against every server host and
// bound route of every Gateway on the port: what the indexed reading must
// agree with.
bool intersect(const std::string& a, const std::string& b) {
  return grpcmesh::check::mesh::host_matches(a, b) || grpcmesh::check::mesh::host_matches(b, a);
}

std::set<std::string> unrouted_by_scan(const Snapshot& s) {
  std::set<std::string> out;
  auto visible = [](const std::string& entry, const std::string& gw_ns, const std::string& vs_ns) -> std::string {
    auto slash = entry.find('/');
    if (slash == std::string::npos) {
      return entry;
    }
    std::string ns = entry.substr(0, slash);
    return ns == "*" || ns == vs_ns || (ns == "." && gw_ns == vs_ns) ? entry.substr(slash + 1) : "";
  };
  auto routes_host = [&](const Resource& gw, int port, const std::string& host) {
    for (Node server : gw.spec()["servers"]) {
      if (server["port"]["number"].get<int>() != port) {
        continue;
      }
      for (Node entry : server["hosts"]) {
        for (const Resource& vs : s.list(Kind::VirtualService)) {
          bool bound = false;
          for (const auto& ref : grpcmesh::check::mesh::gateway_refs(vs)) {
            bound = bound || (ref.namespace_name == gw.namespace_name && ref.name == gw.name);
          }
          std::string h = visible(std::string(entry.str()), gw.namespace_name, vs.namespace_name);
          if (!bound || h.empty() || !intersect(h, host)) {
            continue;
          }
          for (const std::string& v : grpcmesh::check::mesh::hosts(vs)) {
            if (intersect(h, v) && intersect(v, host)) {
              return true;
            }
          }
        }
      }
    }
    return false;
  };
  for (const Resource& gw : s.list(Kind::Gateway)) {
    for (Node server : gw.spec()["servers"]) {
      const int port = server["port"]["number"].get<int>();
      for (Node entry : server["hosts"]) {
        std::string host = grpcmesh::check::mesh::server_host(entry.str());
        bool routed = false;
        for (const Resource& other : s.list(Kind::Gateway)) {
          routed = routed || routes_host(other, port, host);
        }
        if (!routed) {
          out.insert(gw.namespace_name + "/" + gw.name + " " + host);
        }
      }
    }
  }
  return out;
}

}  // namespace

TEST_CASE("unrouted hosts: the hosts routed on a port, worked out once, are those a scan of every route finds") {
  // Random Gateways and VirtualServices over a few hosts, exact and
  // wildcard, namespace prefixes and two ports (a fixed seed: the same
  // cases each run).
  const std::vector<std::string> hosts = {"a.example.com", "b.example.com", "*.example.com", "*", "x.other.io",
                                          "*.other.io",    "*a.example.com", "a.b.example.com"};
  const std::vector<std::string> prefixes = {"", "", "apps/", "*/", "./", "istio-system/"};
  const std::vector<std::string> namespaces = {"istio-system", "apps"};
  uint32_t state = 12345;
  auto next = [&](size_t n) {
    state = state * 1103515245u + 12345u;
    return static_cast<size_t>((state >> 16) % n);
  };
  for (int round = 0; round < 300; ++round) {
    Snapshot s;
    const size_t gateways = 1 + next(4);
    for (size_t g = 0; g < gateways; ++g) {
      json servers = json::array();
      for (size_t k = 0, n = 1 + next(2); k < n; ++k) {
        json list = json::array();
        for (size_t i = 0, m = 1 + next(3); i < m; ++i) {
          list.push_back(prefixes[next(prefixes.size())] + hosts[next(hosts.size())]);
        }
        servers.push_back(server(list, "HTTPS", {{"mode", "SIMPLE"}}, next(2) ? 443 : 80));
      }
      gateway(s, namespaces[g % 2], "gw" + std::to_string(g), servers);
    }
    for (size_t r = 0, n = next(6); r < n; ++r) {
      json list = json::array();
      for (size_t i = 0, m = 1 + next(2); i < m; ++i) {
        list.push_back(hosts[next(hosts.size())]);
      }
      const size_t g = next(gateways);
      const std::string ns = namespaces[next(2)];
      std::string ref = ns == namespaces[g % 2] && next(2) ? "gw" + std::to_string(g)
                                                             : namespaces[g % 2] + "/gw" + std::to_string(g);
      route(s, ns, "vs" + std::to_string(r), list, {ref});
    }
    INFO("round " << round);
    CHECK(unrouted(s) == unrouted_by_scan(s));
  }
}
