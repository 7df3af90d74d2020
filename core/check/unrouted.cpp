#include "core/check/unrouted.hpp"

#include <algorithm>
#include <map>

#include "core/check/analyzer.hpp"
#include "core/check/mesh.hpp"

namespace grpcmesh::check {
namespace {

// pkg/config/gateway/gateway.go IsHTTPServer: an HTTP protocol
// (pkg/config/protocol/instance.go IsHTTP), or HTTPS that is not passthrough.
bool serves_http(Node server) {
  std::string protocol = mesh::upper(server["port"]["protocol"].str());
  if (protocol == "HTTP" || protocol == "HTTP2" || protocol == "GRPC" || protocol == "GRPC-WEB" ||
      protocol == "HTTP_PROXY") {
    return true;
  }
  std::string mode = mesh::upper(server["tls"]["mode"].str());
  return protocol == "HTTPS" && mode != "PASSTHROUGH" && mode != "AUTO_PASSTHROUGH";
}

// A server host seen from a VirtualService's namespace
// (pkg/config/host/names.go NamesForNamespace; "." is the Gateway's namespace,
// pilot/pkg/model/gateway.go): the host, or "" when the route cannot use it.
std::string visible_host(std::string_view entry, const std::string& gateway_ns, const std::string& route_ns) {
  auto slash = entry.find('/');
  if (slash == std::string_view::npos) {
    return std::string(entry);
  }
  std::string_view ns = entry.substr(0, slash);
  if (ns == "*" || ns == route_ns || (ns == "." && gateway_ns == route_ns)) {
    return std::string(entry.substr(slash + 1));
  }
  return "";
}

// Host intersection with wildcards on either side (pkg/config/host/names.go
// Intersection).
bool intersects(std::string_view a, std::string_view b) {
  return mesh::host_matches(a, b) || mesh::host_matches(b, a);
}

}  // namespace

template <typename Source>
std::vector<UnroutedHost> unrouted_hosts(const Source& source) {
  // The VirtualServices bound to each Gateway.
  std::map<std::pair<std::string, std::string>, std::vector<const Resource*>> bound;
  for (const Resource& vs : source.list(Kind::VirtualService)) {
    for (const mesh::NamespacedName& ref : mesh::gateway_refs(vs)) {
      bound[{ref.namespace_name, ref.name}].push_back(&vs);
    }
  }
  // The Gateways with a server on each port: Istio merges the servers of
  // one port, so a route bound to any of them may serve a host another one
  // lists (a duplicate server is dropped for the first one's:
  // pilot/pkg/model/gateway.go MergeGateways).
  std::map<int, std::vector<const Resource*>> by_port;
  for (const Resource& gw : source.list(Kind::Gateway)) {
    for (Node server : gw.spec()["servers"]) {
      if (Node n = server["port"]["number"]; n.is_number_integer()) {
        auto& list = by_port[n.get<int>()];
        if (list.empty() || list.back() != &gw) {
          list.push_back(&gw);
        }
      }
    }
  }
  // Whether a route bound to `gw` serves `host` through one of gw's servers
  // on `port`.
  auto routes_host = [&](const Resource& gw, int port, std::string_view host) {
    auto routes = bound.find({gw.namespace_name, gw.name});
    if (routes == bound.end()) {
      return false;
    }
    for (Node server : gw.spec()["servers"]) {
      if (Node n = server["port"]["number"]; !n.is_number_integer() || n.get<int>() != port) {
        continue;
      }
      for (Node entry : server["hosts"]) {
        if (!entry.is_string()) {
          continue;
        }
        for (const Resource* vs : routes->second) {
          std::string h = visible_host(entry.str(), gw.namespace_name, vs->namespace_name);
          if (h.empty() || !intersects(h, host)) {
            continue;
          }
          for (const std::string& vs_host : mesh::hosts(*vs)) {
            if (intersects(h, vs_host) && intersects(vs_host, host)) {
              return true;
            }
          }
        }
      }
    }
    return false;
  };
  std::vector<UnroutedHost> out;
  for (const Resource& gw : source.list(Kind::Gateway)) {
    for (Node server : gw.spec()["servers"]) {
      if (!serves_http(server) || server["tls"]["httpsRedirect"].boolean()) {
        continue;
      }
      Node number = server["port"]["number"];
      for (Node entry : server["hosts"]) {
        if (!entry.is_string()) {
          continue;
        }
        const std::string host = mesh::server_host(entry.str());
        bool routed = false;
        if (number.is_number_integer()) {
          for (const Resource* other : by_port[number.get<int>()]) {
            routed = routed || routes_host(*other, number.get<int>(), host);
          }
        }
        if (!routed) {
          out.push_back({&gw, server, host});
        }
      }
    }
  }
  std::stable_sort(out.begin(), out.end(), [](const UnroutedHost& a, const UnroutedHost& b) { return a.host < b.host; });
  return out;
}

template std::vector<UnroutedHost> unrouted_hosts(const Snapshot&);
template std::vector<UnroutedHost> unrouted_hosts(const Context&);

}  // namespace grpcmesh::check
