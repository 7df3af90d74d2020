#include "core/check/unrouted.hpp"

#include <algorithm>
#include <map>
#include <set>

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

// Whether host_matches treats `host` as a pattern: two hosts neither of
// which is one intersect only when they are equal.
bool wildcard(std::string_view host) { return host == "*" || host.starts_with("*."); }

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
  // What a route bound to a Gateway with a server on each port can serve:
  // the pairs (h, v) of a server host h as the route sees it and a host v of
  // the route, where h and v intersect. A host is routed on the port when
  // some pair intersects it on both sides. Worked out once per port, not for
  // each host asked about (200 hosts on 20 Gateways of one port are 2,000
  // server hosts against each host otherwise).
  struct Routable {
    std::set<std::string, std::less<>> exact;  // h == v, neither a wildcard
    std::vector<std::pair<std::string, std::string>> wild;  // h or v a wildcard
  };
  std::map<int, Routable> routable;
  for (const auto& [port, gateways] : by_port) {
    Routable& r = routable[port];
    for (const Resource* gw : gateways) {
      auto routes = bound.find({gw->namespace_name, gw->name});
      if (routes == bound.end()) {
        continue;
      }
      std::vector<std::vector<std::string>> route_hosts;
      for (const Resource* vs : routes->second) {
        route_hosts.push_back(mesh::hosts(*vs));
      }
      for (Node server : gw->spec()["servers"]) {
        if (Node n = server["port"]["number"]; !n.is_number_integer() || n.get<int>() != port) {
          continue;
        }
        for (Node entry : server["hosts"]) {
          if (!entry.is_string()) {
            continue;
          }
          for (size_t i = 0; i < routes->second.size(); ++i) {
            std::string h = visible_host(entry.str(), gw->namespace_name, routes->second[i]->namespace_name);
            if (h.empty()) {
              continue;
            }
            for (const std::string& v : route_hosts[i]) {
              if (!intersects(h, v)) {
                continue;
              }
              if (!wildcard(h) && !wildcard(v)) {
                r.exact.insert(v);  // equal: exact hosts intersect only when equal
              } else {
                r.wild.emplace_back(h, v);
              }
            }
          }
        }
      }
    }
  }
  auto routed_on = [&](int port, std::string_view host) {
    auto it = routable.find(port);
    if (it == routable.end()) {
      return false;
    }
    const Routable& r = it->second;
    // An exact host meets an exact pair only when it is that pair's host.
    if (!wildcard(host)) {
      if (r.exact.count(host)) {
        return true;
      }
    } else {
      for (const std::string& e : r.exact) {
        if (intersects(e, host)) {
          return true;
        }
      }
    }
    for (const auto& [h, v] : r.wild) {
      if (intersects(h, host) && intersects(v, host)) {
        return true;
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
        const bool routed = number.is_number_integer() && routed_on(number.get<int>(), host);
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
