#include "core/check/paths.hpp"

#include <fmt/format.h>

#include <map>
#include <set>

#include "core/check/mesh.hpp"
#include "core/check/unrouted.hpp"

namespace grpcmesh::check {
namespace {

std::string join(const std::set<std::string>& parts, std::string_view empty) {
  if (parts.empty()) {
    return std::string(empty);
  }
  return fmt::format("{}", fmt::join(parts, "; "));
}

const Resource* find_gateway(const Snapshot& s, const mesh::NamespacedName& ref) {
  return s.find(Kind::Gateway, ref.namespace_name, ref.name);
}

// Services fronting the gateway workload, with their load balancer address.
std::string load_balancer(const Snapshot& s, const Resource& gw) {
  std::set<std::string> out;
  for (const Resource* svc : mesh::agreeing_services(s, gw.spec()["selector"])) {
    std::string address = "no external address";
    Node ingress = svc->root()["status"]["loadBalancer"]["ingress"];
    if (!ingress.empty()) {
      address = string_field(ingress[0], "ip");
      if (address.empty()) {
        address = string_field(ingress[0], "hostname");
      }
    }
    out.insert(fmt::format("{}/{} {} {}", svc->namespace_name, svc->name, string_field(svc->spec(), "type"), address));
  }
  return join(out, "no Service in front of the gateway pods");
}

std::string server_label(const Resource& gw, Node server) {
  const auto& port = field(server, "port");
  std::string label = fmt::format("{}/{} :{} {}", gw.namespace_name, gw.name, field(port, "number").dump(),
                                  string_field(port, "protocol"));
  const auto& tls = field(server, "tls");
  if (std::string mode = string_field(tls, "mode"); !mode.empty()) {
    label += " tls " + mode;
  }
  if (std::string cred = string_field(tls, "credentialName"); !cred.empty()) {
    label += " credential " + cred;
  }
  return label;
}

}  // namespace

std::vector<HostPath> trace_paths(const Snapshot& s) {
  struct Parts {
    std::set<std::string> lb, server, route, backend, endpoints;
    bool routed = true;
  };
  std::map<std::string, Parts> hosts;
  // Endpoint counts (ready, total) per Service, and the load balancer of each
  // Gateway: indexed once, not per route.
  std::map<std::pair<std::string, std::string>, std::pair<int, int>> endpoint_counts;
  for (const Resource& slice : s.list(Kind::EndpointSlice)) {
    const auto& endpoints = field(slice.root(), "endpoints");
    if (!endpoints.is_array()) {
      continue;
    }
    auto& counts = endpoint_counts[{slice.namespace_name, string_field(slice.labels(), "kubernetes.io/service-name")}];
    for (const auto& e : endpoints) {
      ++counts.second;
      const auto& r = field(field(e, "conditions"), "ready");
      counts.first += (!r.is_boolean() || r.get<bool>()) ? 1 : 0;
    }
  }
  std::map<const Resource*, std::string> balancers;
  for (const Resource& vs : s.list(Kind::VirtualService)) {
    auto refs = mesh::gateway_refs(vs);
    if (refs.empty()) {
      continue;
    }
    for (const std::string& host : mesh::hosts(vs)) {
      Parts& p = hosts[host];
      p.route.insert(vs.namespace_name + "/" + vs.name);
      for (const auto& ref : refs) {
        const Resource* gw = find_gateway(s, ref);
        if (gw == nullptr) {
          p.server.insert(ref.str() + " (missing)");
          continue;
        }
        auto lb = balancers.find(gw);
        if (lb == balancers.end()) {
          lb = balancers.emplace(gw, load_balancer(s, *gw)).first;
        }
        p.lb.insert(lb->second);
        for (Node server : mesh::servers_for_host(*gw, host)) {
          p.server.insert(server_label(*gw, server));
        }
      }
      for (const mesh::Destination& d : mesh::destinations(vs)) {
        auto name = mesh::service_for_host(d.host, vs.namespace_name);
        const Resource* svc = name ? s.find(Kind::Service, name->namespace_name, name->name) : nullptr;
        if (svc == nullptr) {
          p.backend.insert(d.host + " (missing)");
          continue;
        }
        Node port = mesh::destination_port(*svc, d.port);
        std::string protocol = "?";
        if (!port.is_null()) {
          // An unrecognised port is plain TCP to a gateway (it does not sniff).
          mesh::PortProtocol resolved = mesh::port_protocol(port);
          protocol = resolved.recognised ? resolved.protocol : std::string(mesh::protocol::kTcp);
        }
        p.backend.insert(fmt::format("{}/{}:{} {}", svc->namespace_name, svc->name,
                                     !port.is_null() ? port["port"].dump() : "?", protocol));
        auto counts = endpoint_counts.find({svc->namespace_name, svc->name});
        int ready = counts == endpoint_counts.end() ? 0 : counts->second.first;
        int total = counts == endpoint_counts.end() ? 0 : counts->second.second;
        p.endpoints.insert(s.readable(Kind::EndpointSlice)
                               ? fmt::format("{}/{}: {} of {} ready", svc->namespace_name, svc->name, ready, total)
                               : fmt::format("{}/{}: unknown (EndpointSlices not read)", svc->namespace_name,
                                             svc->name));
      }
    }
  }
  // Hosts a gateway server accepts but no route serves: drawn up to the
  // server, then a route hop that does not exist.
  for (const UnroutedHost& u : unrouted_hosts(s)) {
    auto [it, added] = hosts.try_emplace(u.host);
    if (!added && it->second.routed) {
      continue;
    }
    Parts& p = it->second;
    p.routed = false;
    auto lb = balancers.find(u.gateway);
    if (lb == balancers.end()) {
      lb = balancers.emplace(u.gateway, load_balancer(s, *u.gateway)).first;
    }
    p.lb.insert(lb->second);
    p.server.insert(server_label(*u.gateway, u.server));
  }
  std::vector<HostPath> out;
  for (const auto& [host, p] : hosts) {
    if (!p.routed) {
      out.push_back({host,
                     {{Hop::LoadBalancer, join(p.lb, "unknown")},
                      {Hop::Server, join(p.server, "")},
                      {Hop::Route, "no VirtualService routes this host"}}});
      continue;
    }
    out.push_back({host,
                   {{Hop::LoadBalancer, join(p.lb, "unknown")},
                    {Hop::Server, join(p.server, "no server serves this host")},
                    {Hop::Route, join(p.route, "")},
                    {Hop::Backend, join(p.backend, "no destination")},
                    {Hop::Endpoints, join(p.endpoints, "unknown")}}});
  }
  return out;
}

}  // namespace grpcmesh::check
