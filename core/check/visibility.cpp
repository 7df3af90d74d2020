#include "core/check/visibility.hpp"

#include <algorithm>
#include <set>

#include "core/check/mesh.hpp"

namespace grpcmesh::check::mesh {
namespace {

bool has(const std::vector<std::string>& list, std::string_view value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

std::string trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) {
    s.remove_suffix(1);
  }
  return std::string(s);
}

// setDestinationRules: a rule exported only to its own namespace.
bool private_only(const Resource& dr, const std::vector<std::string>& e) {
  return e.size() == 1 && (e[0] == "." || e[0] == dr.namespace_name);
}

// getExportedDestinationRuleFromNamespace: exported to the client.
bool exported_to_client(const std::vector<std::string>& e, std::string_view client) {
  return e.empty() || has(e, "*") || has(e, client);
}

// MostSpecificHostMatch: an exact host wins, else the longest wildcard.
std::vector<const Resource*> most_specific(const std::vector<const Resource*>& rules, std::string_view host) {
  std::vector<const Resource*> exact;
  std::vector<const Resource*> best;
  size_t longest = 0;
  for (const Resource* dr : rules) {
    std::string h = fqdn(string_field(dr->spec(), "host"), dr->namespace_name);
    if (h == host) {
      exact.push_back(dr);
    } else if (h == "*" || (h.starts_with("*.") && host.ends_with(std::string_view(h).substr(1)))) {
      if (h.size() > longest) {
        best.clear();
        longest = h.size();
      }
      if (h.size() == longest) {
        best.push_back(dr);
      }
    }
  }
  return exact.empty() ? best : exact;
}

}  // namespace

std::vector<std::string> export_to(const Resource& resource) {
  std::vector<std::string> out;
  if (resource.kind == Kind::Service) {
    Node value = resource.root()["metadata"]["annotations"]["networking.istio.io/exportTo"];
    if (!value.is_string()) {
      return out;
    }
    std::string_view text = value.str();
    size_t start = 0;
    while (start <= text.size()) {
      size_t comma = text.find(',', start);
      std::string part = trim(text.substr(start, comma == std::string_view::npos ? text.npos : comma - start));
      if (!part.empty()) {
        out.push_back(part);
      }
      if (comma == std::string_view::npos) {
        break;
      }
      start = comma + 1;
    }
    return out;
  }
  return string_list(resource.spec()["exportTo"]);
}

bool visible_from(const std::vector<std::string>& e, std::string_view own, std::string_view from) {
  if (e.empty() || has(e, "*") || has(e, from)) {
    return true;
  }
  return has(e, ".") && own == from;
}

std::string fqdn(std::string_view host, std::string_view ns) {
  if (host.empty() || host == "*" || host.find('.') != std::string_view::npos || host.find(':') != std::string_view::npos) {
    return std::string(host);
  }
  return std::string(host) + "." + std::string(ns) + ".svc.cluster.local";
}

std::vector<const Resource*> destination_rules_for(const Context& ctx, std::string_view service_fqdn,
                                                   std::string_view service_ns, std::string_view proxy_ns) {
  std::vector<const Resource*> local;
  std::vector<const Resource*> from_service_ns;
  std::vector<const Resource*> from_root;
  for (const Resource& dr : ctx.list(Kind::DestinationRule)) {
    if (!dr.spec()["workloadSelector"].is_null()) {
      continue;  // applies to the workloads it selects, never to a gateway of another namespace
    }
    const auto e = export_to(dr);
    if (dr.namespace_name == proxy_ns) {
      bool own = proxy_ns == kRootNamespace
                     ? private_only(dr, e)
                     : e.empty() || has(e, "*") || has(e, ".") || has(e, dr.namespace_name);
      if (own) {
        local.push_back(&dr);
      }
    }
    if (private_only(dr, e) || !exported_to_client(e, proxy_ns)) {
      continue;
    }
    if (dr.namespace_name == service_ns) {
      from_service_ns.push_back(&dr);
    }
    if (dr.namespace_name == kRootNamespace) {
      from_root.push_back(&dr);
    }
  }
  for (const auto* level : {&local, &from_service_ns, &from_root}) {
    if (auto found = most_specific(*level, service_fqdn); !found.empty()) {
      return found;
    }
  }
  return {};
}

std::vector<std::string> proxy_namespaces(const Context& ctx, const Resource& virtual_service) {
  std::set<std::string> out;
  for (const Resource* gw : bound_gateways(ctx, virtual_service)) {
    for (std::string& ns : workload_namespaces(ctx, *gw)) {
      out.insert(std::move(ns));
    }
  }
  return {out.begin(), out.end()};
}

bool server_admits(std::string_view entry, std::string_view gateway_ns, std::string_view route_ns,
                   std::string_view host) {
  auto slash = entry.find('/');
  if (slash != std::string_view::npos) {
    std::string_view ns = entry.substr(0, slash);
    if (!(ns == "*" || ns == route_ns || (ns == "." && gateway_ns == route_ns))) {
      return false;
    }
    entry = entry.substr(slash + 1);
  }
  return host_matches(entry, host) || host_matches(host, entry);
}

std::vector<Node> servers_admitting(const Resource& gateway, std::string_view route_ns, std::string_view host) {
  std::vector<Node> out;
  for (Node server : gateway.spec()["servers"]) {
    for (Node h : server["hosts"]) {
      if (h.is_string() && server_admits(h.str(), gateway.namespace_name, route_ns, host)) {
        out.push_back(server);
        break;
      }
    }
  }
  return out;
}

bool admitted_by_any(const std::vector<const Resource*>& gateways, std::string_view route_ns, std::string_view host) {
  return std::any_of(gateways.begin(), gateways.end(), [&](const Resource* gw) {
    return !servers_admitting(*gw, route_ns, host).empty();
  });
}

}  // namespace grpcmesh::check::mesh
