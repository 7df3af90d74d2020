#include "core/check/deep/expect.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "core/check/mesh.hpp"
#include "core/check/visibility.hpp"

namespace grpcmesh::check::deep {
namespace {

std::string upper(std::string s) {
  for (char& c : s) {
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return s;
}

std::vector<const Resource*> pods_of(const Snapshot& s, Node selector) {
  std::vector<const Resource*> out;
  if (!selector.is_object() || selector.empty()) {
    return out;
  }
  const Member first = *selector.items().begin();
  for (const Resource* pod : s.labelled(Kind::Pod, first.key, first.value.str())) {
    if (mesh::selects(selector, pod->labels())) {
      out.push_back(pod);
    }
  }
  return out;
}

// Whether an EnvoyFilter inserts grpc_web for pods with `labels` in `pod_namespace`.
bool adds_grpc_web(const Resource& filter, const Resource& pod) {
  if (filter.namespace_name != pod.namespace_name && filter.namespace_name != "istio-system") {
    return false;
  }
  Node selector = filter.spec()["workloadSelector"]["labels"];
  if (selector.is_object() && !selector.empty() && !mesh::selects(selector, pod.labels())) {
    return false;
  }
  for (Node patch : filter.spec()["configPatches"]) {
    std::string op = std::string(patch["patch"]["operation"].str());
    if (op.starts_with("INSERT") && patch["patch"]["value"].dump().find("envoy.filters.http.grpc_web") != std::string::npos) {
      return true;
    }
  }
  return false;
}

std::string cluster_name(const Snapshot& s, const mesh::Destination& d, const std::string& route_namespace) {
  auto name = mesh::service_for_host(d.host, route_namespace);
  if (!name) {
    return "";
  }
  int port = d.port;
  if (port == 0) {
    if (const Resource* svc = s.find(Kind::Service, name->namespace_name, name->name)) {
      Node p = mesh::destination_port(*svc, 0);
      port = p.is_null() ? 0 : static_cast<int>(p["port"].integer());
    }
  }
  if (port == 0) {
    return "";
  }
  return fmt::format("outbound|{}|{}|{}.{}.svc.cluster.local", port, d.subset, name->name, name->namespace_name);
}

// The connectionPool.http.idleTimeout of `policy`, when set.
std::optional<std::string> http_idle_timeout(Node policy) {
  Node v = policy["connectionPool"]["http"]["idleTimeout"];
  return v.is_string() ? std::optional<std::string>(std::string(v.str())) : std::nullopt;
}

// The idle timeout the DestinationRule Istio applies to `d` for a gateway pod
// in `proxy_ns` sets (a subset's own traffic policy first), and that rule.
void idle_timeout(const Snapshot& s, const mesh::Destination& d, const std::string& route_namespace,
                  const std::string& proxy_ns, ExpectedRoute& out) {
  static const AnalyzerMeta meta{"deep_expect", "", {Kind::DestinationRule}};
  auto name = mesh::service_for_host(d.host, route_namespace);
  if (!name) {
    return;
  }
  std::vector<Message> none;
  Context ctx(s, meta, std::chrono::system_clock::now(), none);
  const std::string host = mesh::fqdn(d.host, route_namespace);
  for (const Resource* dr : mesh::destination_rules_for(ctx, host, name->namespace_name, proxy_ns)) {
    std::optional<std::string> t;
    if (!d.subset.empty()) {
      for (Node sub : dr->spec()["subsets"]) {
        if (sub["name"].is_string() && sub["name"].str() == d.subset) {
          t = http_idle_timeout(sub["trafficPolicy"]);
        }
      }
    }
    if (!t) {
      t = http_idle_timeout(dr->spec()["trafficPolicy"]);
    }
    if (t) {
      out.idle_timeout = t;
      out.idle_timeout_rule = dr->namespace_name + "/" + dr->name;
      return;
    }
  }
}

}  // namespace

VirtualServiceIndex::VirtualServiceIndex(const Snapshot& s) {
  for (const Resource& vs : s.list(Kind::VirtualService)) {
    const size_t i = all_.size();
    all_.push_back(&vs);
    hosts_.push_back(mesh::hosts(vs));
    bool wild = false;
    for (const std::string& h : hosts_.back()) {
      if (h == "*" || h.starts_with("*.")) {
        wild = true;
      } else {
        auto& list = exact_[h];
        if (list.empty() || list.back() != i) {
          list.push_back(i);
        }
      }
    }
    if (wild) {
      wildcard_.push_back(i);
    }
  }
}

std::vector<const Resource*> VirtualServiceIndex::serving(const std::string& host) const {
  std::vector<size_t> found;
  if (host.starts_with("*")) {
    // A wildcard host matches other patterns too (mesh::host_matches): ask each.
    for (size_t i = 0; i < all_.size(); ++i) {
      for (const std::string& h : hosts_[i]) {
        if (mesh::host_matches(h, host)) {
          found.push_back(i);
          break;
        }
      }
    }
  } else {
    // A plain host is matched by itself, "*", or a "*.suffix" it ends with.
    if (auto it = exact_.find(host); it != exact_.end()) {
      found = it->second;
    }
    for (size_t i : wildcard_) {
      for (const std::string& h : hosts_[i]) {
        if (mesh::host_matches(h, host)) {
          found.push_back(i);
          break;
        }
      }
    }
    std::sort(found.begin(), found.end());
    found.erase(std::unique(found.begin(), found.end()), found.end());
  }
  std::vector<const Resource*> out;
  out.reserve(found.size());
  for (size_t i : found) {
    out.push_back(all_[i]);
  }
  return out;
}

HostExpectation expect_host(const Snapshot& s, const std::string& host) {
  return expect_host(s, host, VirtualServiceIndex(s));
}

HostExpectation expect_host(const Snapshot& s, const std::string& host, const VirtualServiceIndex& index) {
  HostExpectation out;
  out.host = host;
  std::set<const Resource*> gateways;
  std::vector<std::optional<mesh::Destination>> route_destinations;  // per route, its single destination
  std::vector<std::string> route_namespaces;
  for (const Resource* serving : index.serving(host)) {
    const Resource& vs = *serving;
    bool bound = false;
    for (const auto& ref : mesh::gateway_refs(vs)) {
      const Resource* gw = s.find(Kind::Gateway, ref.namespace_name, ref.name);
      if (gw != nullptr && !mesh::servers_for_host(*gw, host).empty()) {
        gateways.insert(gw);
        bound = true;
      }
    }
    if (!bound) {
      continue;
    }
    auto dests = mesh::destinations(vs);
    int index = 0;
    for (Node rule : vs.spec()["http"]) {
      std::vector<const mesh::Destination*> mine;
      for (const auto& d : dests) {
        if (d.section == "http" && d.rule == index) {
          mine.push_back(&d);
        }
      }
      ExpectedRoute base;
      base.virtual_service = vs.namespace_name + "/" + vs.name;
      base.rule = index;
      base.cluster = mine.size() == 1 ? cluster_name(s, *mine[0], vs.namespace_name) : "";
      if (rule["timeout"].is_string()) {
        base.timeout = std::string(rule["timeout"].str());
      }
      base.cors = rule["corsPolicy"].is_object();
      const std::optional<mesh::Destination> single =
          mine.size() == 1 ? std::optional<mesh::Destination>(*mine[0]) : std::nullopt;
      Node matches = rule["match"];
      if (!matches.is_array() || matches.empty()) {
        ExpectedRoute r = base;
        r.path = "/";
        r.match = "any path";
        out.routes.push_back(std::move(r));
        route_destinations.push_back(single);
        route_namespaces.push_back(vs.namespace_name);
      }
      for (Node m : matches) {
        if (m.size() != 1 || !m["uri"].is_object()) {
          continue;  // headers, methods, ...: not a plain gRPC call's match
        }
        ExpectedRoute r = base;
        if (m["uri"]["prefix"].is_string()) {
          std::string prefix(m["uri"]["prefix"].str());
          r.path = prefix.ends_with('/') ? prefix + "Call" : prefix;
          r.match = "prefix " + prefix;
        } else if (m["uri"]["exact"].is_string()) {
          r.path = std::string(m["uri"]["exact"].str());
          r.match = "exact " + r.path;
        } else {
          continue;
        }
        out.routes.push_back(std::move(r));
        route_destinations.push_back(single);
        route_namespaces.push_back(vs.namespace_name);
      }
      ++index;
    }
  }
  std::set<const Resource*> pods;
  for (const Resource* gw : gateways) {
    for (Node server : mesh::servers_for_host(*gw, host)) {
      if (mesh::passthrough(server)) {
        continue;
      }
      ExpectedServer e;
      e.gateway = gw->namespace_name + "/" + gw->name;
      e.port = static_cast<int>(server["port"]["number"].integer());
      e.protocol = upper(std::string(server["port"]["protocol"].str()));
      e.credential = std::string(server["tls"]["credentialName"].str());
      e.tls = !server["tls"]["mode"].is_null() || e.protocol == "HTTPS";
      e.listener_ports.insert(e.port);
      for (const Resource* svc : mesh::agreeing_services(s, gw->spec()["selector"])) {
        for (Node p : svc->spec()["ports"]) {
          if (p["port"].integer() == e.port && p["targetPort"].is_number_integer()) {
            e.listener_ports.insert(static_cast<int>(p["targetPort"].integer()));
          }
        }
      }
      out.web = out.web || e.protocol == "GRPC-WEB";
      out.servers.push_back(std::move(e));
    }
    for (const Resource* pod : pods_of(s, gw->spec()["selector"])) {
      if (pods.insert(pod).second) {
        out.pods.push_back(pod);
      }
    }
  }
  for (const Resource* pod : out.pods) {
    for (const Resource& filter : s.list(Kind::EnvoyFilter)) {
      out.web = out.web || adds_grpc_web(filter, *pod);
    }
  }
  // The gateway pods' namespace decides which DestinationRules apply (those
  // of the first pod; a gateway's pods share one).
  if (!out.pods.empty()) {
    for (size_t i = 0; i < out.routes.size(); ++i) {
      if (route_destinations[i]) {
        idle_timeout(s, *route_destinations[i], route_namespaces[i], out.pods.front()->namespace_name, out.routes[i]);
      }
    }
  }
  return out;
}

Located locate(const HostExpectation& expected, const ConfigDump& dump) {
  Located out;
  for (const ExpectedServer& server : expected.servers) {
    for (const Listener& l : dump.listeners) {
      if (!server.listener_ports.count(l.port)) {
        continue;
      }
      for (const FilterChain& fc : l.chains) {
        bool match = false;
        if (server.tls) {
          for (const std::string& name : fc.server_names) {
            match = match || mesh::host_matches(name, expected.host);
          }
        } else {
          match = fc.http && fc.server_names.empty();
        }
        if (match) {
          out.listener = &l;
          out.chain = &fc;
          out.server = &server;
          break;
        }
      }
      if (out.chain != nullptr) {
        break;
      }
    }
    if (out.chain != nullptr) {
      break;
    }
  }
  if (out.server == nullptr && !expected.servers.empty()) {
    out.server = &expected.servers.front();
  }
  if (out.chain == nullptr || out.chain->route_config.empty()) {
    return out;
  }
  auto rc = dump.routes.find(out.chain->route_config);
  if (rc == dump.routes.end()) {
    return out;
  }
  out.route_config = &rc->second;
  // The exact domain first, then the most specific pattern (Envoy's order).
  const VirtualHost* best = nullptr;
  size_t best_len = 0;
  for (const VirtualHost& vh : rc->second.virtual_hosts) {
    for (const std::string& d : vh.domains) {
      std::string_view domain = d;
      if (auto colon = domain.rfind(":*"); colon != std::string_view::npos && colon + 2 == domain.size()) {
        domain = domain.substr(0, colon);
      }
      if (domain == expected.host) {
        out.virtual_host = &vh;
        return out;
      }
      if (mesh::host_matches(domain, expected.host) && (best == nullptr || domain.size() > best_len)) {
        best = &vh;
        best_len = domain.size();
      }
    }
  }
  out.virtual_host = best;
  return out;
}

const HttpRoute* first_match(const VirtualHost& vhost, const std::string& path, bool preflight) {
  for (const HttpRoute& r : vhost.routes) {
    if (r.regex) {
      continue;
    }
    bool path_matches = (!r.prefix.empty() && path.starts_with(r.prefix)) || (!r.path.empty() && path == r.path);
    if (!path_matches) {
      continue;
    }
    bool headers_match = true;
    for (const std::string& h : r.headers) {
      headers_match = headers_match && !preflight && h == "content-type=application/grpc";
    }
    if (headers_match) {
      return &r;
    }
  }
  return nullptr;
}

}  // namespace grpcmesh::check::deep
