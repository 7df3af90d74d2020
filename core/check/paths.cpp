#include "core/check/paths.hpp"

#include <fmt/format.h>

#include <fmt/ranges.h>

#include <map>
#include <set>

#include "core/check/gatewayapi.hpp"
#include "core/check/mesh.hpp"
#include "core/check/unrouted.hpp"
#include "core/gatewayapi/address.hpp"

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

// The parts of a host's path, each hop's labels.
struct Parts {
  std::set<std::string> lb, server, route, backend, endpoints;
  bool routed = true;
  bool listener_only = false;  // not routed, and named by Gateway API listeners only
  bool istio = false;          // drawn from Istio's objects
  bool gateway_api = false;    // drawn from the Gateway API's
};

// A Gateway API object as the JSON the shared rules read
// (core/gatewayapi/address.hpp): its name, spec and status.
nlohmann::json as_json(const Resource& r) {
  nlohmann::json out = {{"metadata", {{"namespace", r.namespace_name}, {"name", r.name}}}};
  if (Node spec = r.spec(); !spec.is_null()) {
    out["spec"] = spec.to_json();
  }
  if (Node status = r.root()["status"]; !status.is_null()) {
    out["status"] = status.to_json();
  }
  return out;
}

// The load balancer of a Gateway API Gateway: the addresses istiod wrote in
// its status, and the Service it deployed for it.
std::string gateway_api_load_balancer(const Snapshot& s, const Resource& gw) {
  const nlohmann::json g = as_json(gw);
  std::vector<nlohmann::json> services;
  for (const Resource& svc : s.list(Kind::Service)) {
    if (svc.namespace_name == gw.namespace_name) {
      services.push_back(as_json(svc));
    }
  }
  std::vector<const nlohmann::json*> candidates;
  for (const auto& svc : services) {
    candidates.push_back(&svc);
  }
  const nlohmann::json* svc = ::grpcmesh::gatewayapi::deployed_service(g, candidates);
  const std::vector<std::string> addresses = ::grpcmesh::gatewayapi::status_addresses(g);
  std::string service;
  if (svc != nullptr) {
    service = fmt::format("{}/{} {}", (*svc)["metadata"].value("namespace", ""), (*svc)["metadata"].value("name", ""),
                          svc->value("spec", nlohmann::json::object()).value("type", "ClusterIP"));
  }
  // istiod deploys the Service, or (a manual deployment) spec.addresses names it.
  const std::string missing = fmt::format(
      "no Service {} {}", ::grpcmesh::gatewayapi::gateway_service_ref(g),
      ::grpcmesh::gatewayapi::managed(g) ? "deployed" : "named by spec.addresses in the Gateway's namespace");
  if (!addresses.empty()) {
    return fmt::format("{}/{} status.addresses {}; {}", gw.namespace_name, gw.name, fmt::join(addresses, ", "),
                       svc != nullptr ? "Service " + service : missing);
  }
  if (svc != nullptr) {
    std::string address = "no external address";
    if (auto external = ::grpcmesh::gatewayapi::external_address(g, svc)) {
      address = external->host;
    }
    return fmt::format("{} {} (Gateway {}/{} has no status.addresses)", service, address, gw.namespace_name, gw.name);
  }
  return fmt::format("Gateway {}/{}: no status.addresses and {}{}", gw.namespace_name, gw.name, missing,
                     ::grpcmesh::gatewayapi::managed(g) ? " for it" : "");
}

std::string listener_label(const Resource& gw, Node l) {
  std::string label = fmt::format("{}/{} listener {} :{} {}", gw.namespace_name, gw.name, l["name"].str(),
                                  l["port"].dump(), l["protocol"].str());
  if (l["hostname"].is_string()) {
    label += fmt::format(" hostname {}", l["hostname"].str());
  }
  Node tls = l["tls"];
  if (!tls.is_null()) {
    label += fmt::format(" tls {}", tls["mode"].is_string() ? tls["mode"].str() : std::string_view("Terminate"));
    std::vector<std::string> refs;
    for (Node ref : tls["certificateRefs"]) {
      std::string_view ns = ref["namespace"].is_string() ? ref["namespace"].str() : std::string_view(gw.namespace_name);
      refs.push_back(ns == gw.namespace_name ? std::string(ref["name"].str())
                                             : fmt::format("{}/{}", ns, ref["name"].str()));
    }
    if (!refs.empty()) {
      label += fmt::format(" certificateRefs {}", fmt::join(refs, ", "));
    }
  }
  return label;
}

// The hosts a route draws through a listener: its hostnames that the
// listener's hostname covers (the listener's own, narrower, hostname where a
// route's wildcard covers it), or the listener's hostname when the route
// names none ("*" when neither does).
std::vector<std::string> hosts_through(Node listener, const std::vector<std::string>& route_hostnames) {
  std::string lh = listener["hostname"].is_string() ? std::string(listener["hostname"].str()) : std::string();
  std::vector<std::string> out;
  if (route_hostnames.empty()) {
    out.push_back(lh.empty() ? "*" : lh);
    return out;
  }
  for (const std::string& h : route_hostnames) {
    if (!gatewayapi::hostnames_intersect(lh, h)) {
      continue;
    }
    bool route_wider = !lh.empty() && ::grpcmesh::gatewayapi::listener_hostname_match(h, lh) ==
                                          ::grpcmesh::gatewayapi::HostnameMatch::Wildcard;
    out.push_back(route_wider ? lh : h);
  }
  return out;
}

}  // namespace

std::vector<std::string> gateway_api_hosts(const Snapshot& s, const std::string& namespace_name) {
  std::set<std::string> out;
  for (Kind kind : {Kind::GRPCRoute, Kind::HTTPRoute}) {
    for (const Resource& r : s.list(kind)) {
      if (namespace_name.empty() || r.namespace_name == namespace_name) {
        for (const std::string& h : gatewayapi::hostnames(r)) {
          out.insert(h);
        }
      }
    }
  }
  for (const Resource& gw : s.list(Kind::KubeGateway)) {
    if (namespace_name.empty() || gw.namespace_name == namespace_name) {
      for (Node l : gw.spec()["listeners"]) {
        if (l["hostname"].is_string()) {
          out.insert(std::string(l["hostname"].str()));
        }
      }
    }
  }
  return {out.begin(), out.end()};
}

void add_gateway_api_related(const Snapshot& s, const std::string& host, std::set<ResourceRef>& out) {
  for (const Resource& gw : s.list(Kind::KubeGateway)) {
    for (Node l : gw.spec()["listeners"]) {
      std::string_view lh = l["hostname"].is_string() ? l["hostname"].str() : std::string_view();
      if (!lh.empty() && gatewayapi::hostnames_intersect(lh, host)) {
        out.insert(gw.ref());
      }
    }
  }
  for (Kind kind : {Kind::GRPCRoute, Kind::HTTPRoute}) {
    for (const Resource& r : s.list(kind)) {
      bool serves = false;
      for (const std::string& h : gatewayapi::hostnames(r)) {
        serves = serves || gatewayapi::hostnames_intersect(h, host);
      }
      if (!serves) {
        continue;
      }
      out.insert(r.ref());
      for (const gatewayapi::ParentRef& ref : gatewayapi::parent_refs(r)) {
        if (ref.is_gateway()) {
          out.insert({"Gateway", ref.namespace_name, ref.name});
        }
      }
      for (const gatewayapi::BackendRef& b : gatewayapi::backend_refs(r)) {
        if (b.is_service()) {
          out.insert({"Service", b.namespace_name, b.name});
        }
      }
    }
  }
}

std::vector<HostPath> trace_paths(const Snapshot& s) {
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
  // The service port and endpoints hops of a route's destination.
  auto draw_backend = [&](Parts& p, const Resource& svc, Node port) {
    std::string protocol = "?";
    if (!port.is_null()) {
      // An unrecognised port is plain TCP to a gateway (it does not sniff).
      mesh::PortProtocol resolved = mesh::port_protocol(port);
      protocol = resolved.recognised ? resolved.protocol : std::string(mesh::protocol::kTcp);
    }
    p.backend.insert(fmt::format("{}/{}:{} {}", svc.namespace_name, svc.name,
                                 !port.is_null() ? port["port"].dump() : "?", protocol));
    auto counts = endpoint_counts.find({svc.namespace_name, svc.name});
    int ready = counts == endpoint_counts.end() ? 0 : counts->second.first;
    int total = counts == endpoint_counts.end() ? 0 : counts->second.second;
    p.endpoints.insert(s.readable(Kind::EndpointSlice)
                           ? fmt::format("{}/{}: {} of {} ready", svc.namespace_name, svc.name, ready, total)
                           : fmt::format("{}/{}: unknown (EndpointSlices not read)", svc.namespace_name, svc.name));
  };
  std::map<const Resource*, std::string> balancers;
  for (const Resource& vs : s.list(Kind::VirtualService)) {
    auto refs = mesh::gateway_refs(vs);
    if (refs.empty()) {
      continue;
    }
    for (const std::string& host : mesh::hosts(vs)) {
      Parts& p = hosts[host];
      p.istio = true;
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
        draw_backend(p, *svc, mesh::destination_port(*svc, d.port));
      }
    }
  }
  // The Gateway API: routes through the listeners they attach to (as istiod
  // attaches them: gatewayapi::attach), to their backendRefs.
  std::set<std::pair<const Resource*, std::string>> listeners_with_routes;
  for (Kind kind : {Kind::GRPCRoute, Kind::HTTPRoute}) {
    for (const Resource& r : s.list(kind)) {
      const std::vector<std::string> names = gatewayapi::hostnames(r);
      std::set<std::string> route_hosts;
      std::vector<std::pair<std::string, std::string>> servers;  // host, listener label
      std::vector<std::pair<std::string, const Resource*>> balancers_of;  // host, gateway
      for (const gatewayapi::ParentRef& ref : gatewayapi::parent_refs(r)) {
        if (!ref.is_gateway()) {
          continue;
        }
        const Resource* gw = s.find(Kind::KubeGateway, ref.namespace_name, ref.name);
        if (gw == nullptr) {
          for (const std::string& h : names) {
            route_hosts.insert(h);
            servers.emplace_back(h, "Gateway " + ref.str() + " (missing)");
          }
          continue;
        }
        bool attached = false;
        for (Node l : gatewayapi::listeners_for(*gw, ref)) {
          if (!gatewayapi::route_hostnames_intersect(l, names) ||
              !gatewayapi::namespace_allowed(l, *gw, r.namespace_name) ||
              !gatewayapi::kind_allowed(l, kind_name(kind))) {
            continue;
          }
          attached = true;
          listeners_with_routes.emplace(gw, std::string(l["name"].str()));
          for (const std::string& h : hosts_through(l, names)) {
            route_hosts.insert(h);
            servers.emplace_back(h, listener_label(*gw, l));
            balancers_of.emplace_back(h, gw);
          }
        }
        if (!attached) {
          const gatewayapi::AttachmentResult why = gatewayapi::attach(*gw, r, ref);
          for (const std::string& h : names) {
            route_hosts.insert(h);
            servers.emplace_back(h, fmt::format("{}/{}: no listener takes {} {}/{} ({})", gw->namespace_name, gw->name,
                                                kind_name(kind), r.namespace_name, r.name, why.detail));
            balancers_of.emplace_back(h, gw);
          }
        }
      }
      for (const std::string& host : route_hosts) {
        Parts& p = hosts[host];
        p.gateway_api = true;
        size_t rule = 0;
        for (Node ignored : r.spec()["rules"]) {
          (void)ignored;
          p.route.insert(fmt::format("{} {}/{} rule {}", kind_name(kind), r.namespace_name, r.name, rule++));
        }
        if (rule == 0) {
          p.route.insert(fmt::format("{} {}/{} (no rules)", kind_name(kind), r.namespace_name, r.name));
        }
        for (const auto& [h, label] : servers) {
          if (h == host) {
            p.server.insert(label);
          }
        }
        for (const auto& [h, gw] : balancers_of) {
          if (h != host) {
            continue;
          }
          auto lb = balancers.find(gw);
          if (lb == balancers.end()) {
            lb = balancers.emplace(gw, gateway_api_load_balancer(s, *gw)).first;
          }
          p.lb.insert(lb->second);
        }
        for (const gatewayapi::BackendRef& b : gatewayapi::backend_refs(r)) {
          if (!b.is_service()) {
            p.backend.insert(fmt::format("{} {}/{}", b.kind, b.namespace_name, b.name));
            continue;
          }
          const Resource* svc = s.find(Kind::Service, b.namespace_name, b.name);
          if (svc == nullptr) {
            p.backend.insert(fmt::format("{}/{} (missing)", b.namespace_name, b.name));
            continue;
          }
          Node port;
          for (Node candidate : svc->spec()["ports"]) {
            if (b.port && candidate["port"].is_number_integer() && candidate["port"].get<int>() == *b.port) {
              port = candidate;
            }
          }
          draw_backend(p, *svc, port);
        }
      }
    }
  }
  // Gateway API listeners with a hostname that no route attaches to: drawn
  // up to the listener.
  for (const Resource& gw : s.list(Kind::KubeGateway)) {
    for (Node l : gw.spec()["listeners"]) {
      std::string_view protocol = l["protocol"].str();
      if (!l["hostname"].is_string() || (protocol != "HTTP" && protocol != "HTTPS") ||
          listeners_with_routes.count({&gw, std::string(l["name"].str())})) {
        continue;
      }
      auto [it, added] = hosts.try_emplace(std::string(l["hostname"].str()));
      if (!added && it->second.routed && !it->second.route.empty()) {
        continue;
      }
      Parts& p = it->second;
      p.routed = false;
      p.listener_only = true;
      p.gateway_api = true;
      auto lb = balancers.find(&gw);
      if (lb == balancers.end()) {
        lb = balancers.emplace(&gw, gateway_api_load_balancer(s, gw)).first;
      }
      p.lb.insert(lb->second);
      p.server.insert(listener_label(gw, l));
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
    p.listener_only = false;
    p.istio = true;
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
                      {Hop::Route, p.listener_only ? "no GRPCRoute or HTTPRoute attaches to the listener"
                                                   : "no VirtualService routes this host"}},
                     p.istio, p.gateway_api});
      continue;
    }
    out.push_back({host,
                   {{Hop::LoadBalancer, join(p.lb, "unknown")},
                    {Hop::Server, join(p.server, "no server serves this host")},
                    {Hop::Route, join(p.route, "")},
                    {Hop::Backend, join(p.backend, "no destination")},
                    {Hop::Endpoints, join(p.endpoints, "unknown")}},
                   p.istio, p.gateway_api});
  }
  return out;
}

}  // namespace grpcmesh::check
