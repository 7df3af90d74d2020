#include "core/check/gatewayapi.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

namespace grpcmesh::check::gatewayapi {
namespace {

std::string text_or(Node n, std::string_view fallback) {
  return n.is_string() ? std::string(n.str()) : std::string(fallback);
}

std::optional<int> port_of(Node n) {
  if (n.is_number_integer()) {
    return n.get<int>();
  }
  return std::nullopt;
}

// Whether `wildcard` ("*.example.com") covers `host` (one or more labels
// before the suffix).
bool covers(std::string_view wildcard, std::string_view host) {
  if (!wildcard.starts_with("*.")) {
    return false;
  }
  std::string_view suffix = wildcard.substr(1);  // ".example.com"
  if (host.starts_with("*.")) {
    // Two wildcards: the narrower one's suffix ends with the wider one's.
    return host.substr(1).size() >= suffix.size() && host.substr(1).ends_with(suffix);
  }
  return host.size() > suffix.size() && host.ends_with(suffix);
}

}  // namespace

bool ParentRef::is_gateway() const { return group == kGatewayApiGroup && kind == "Gateway"; }

std::string ParentRef::str() const {
  std::string out = fmt::format("{}/{}", namespace_name, name);
  if (!section.empty()) {
    out += "/" + section;
  }
  if (port) {
    out += fmt::format(":{}", *port);
  }
  return out;
}

std::vector<ParentRef> parent_refs(const Resource& route) {
  std::vector<ParentRef> out;
  for (Node ref : route.spec()["parentRefs"]) {
    ParentRef p;
    p.group = text_or(ref["group"], kGatewayApiGroup);
    p.kind = text_or(ref["kind"], "Gateway");
    p.namespace_name = text_or(ref["namespace"], route.namespace_name);
    p.name = text_or(ref["name"], "");
    p.section = text_or(ref["sectionName"], "");
    p.port = port_of(ref["port"]);
    out.push_back(std::move(p));
  }
  return out;
}

std::vector<BackendRef> backend_refs(const Resource& route) {
  std::vector<BackendRef> out;
  size_t i = 0;
  for (Node rule : route.spec()["rules"]) {
    for (Node ref : rule["backendRefs"]) {
      BackendRef b;
      b.group = text_or(ref["group"], "");
      b.kind = text_or(ref["kind"], "Service");
      b.namespace_name = text_or(ref["namespace"], route.namespace_name);
      b.name = text_or(ref["name"], "");
      b.port = port_of(ref["port"]);
      b.rule = i;
      out.push_back(std::move(b));
    }
    ++i;
  }
  return out;
}

std::vector<std::string> hostnames(const Resource& route) {
  std::vector<std::string> out;
  for (Node h : route.spec()["hostnames"]) {
    if (h.is_string()) {
      out.emplace_back(h.str());
    }
  }
  return out;
}

std::string route_host(const Resource& route) {
  auto names = hostnames(route);
  return names.empty() ? std::string() : names.front();
}

bool hostnames_intersect(std::string_view listener, std::string_view route) {
  if (listener.empty() || route.empty() || listener == route) {
    return true;
  }
  return covers(listener, route) || covers(route, listener);
}

bool route_hostnames_intersect(Node listener, const std::vector<std::string>& route_hostnames) {
  std::string_view l = listener["hostname"].is_string() ? listener["hostname"].str() : std::string_view();
  if (route_hostnames.empty()) {
    return true;
  }
  return std::any_of(route_hostnames.begin(), route_hostnames.end(),
                     [&](const std::string& h) { return hostnames_intersect(l, h); });
}

std::vector<Node> listeners_for(const Resource& gateway, const ParentRef& ref) {
  std::vector<Node> out;
  for (Node l : gateway.spec()["listeners"]) {
    if (!ref.section.empty() && l["name"].str() != ref.section) {
      continue;
    }
    if (ref.port && port_of(l["port"]) != ref.port) {
      continue;
    }
    out.push_back(l);
  }
  return out;
}

bool namespace_allowed(Node listener, const Resource& gateway, std::string_view route_namespace) {
  std::string_view from = listener["allowedRoutes"]["namespaces"]["from"].str();
  if (from == "All" || from == "Selector") {
    return true;
  }
  // Same, the default.
  return route_namespace == gateway.namespace_name;
}

std::vector<std::string> allowed_kinds(Node listener) {
  std::vector<std::string> out;
  Node kinds = listener["allowedRoutes"]["kinds"];
  if (kinds.is_array() && !kinds.empty()) {
    for (Node k : kinds) {
      if (text_or(k["group"], kGatewayApiGroup) == kGatewayApiGroup) {
        out.emplace_back(k["kind"].str());
      }
    }
    return out;
  }
  // The protocol's default (Istio: GenerateGatewaySupportedKinds).
  std::string_view protocol = listener["protocol"].str();
  if (protocol == "HTTP" || protocol == "HTTPS") {
    return {"HTTPRoute", "GRPCRoute"};
  }
  if (protocol == "TLS") {
    return {"TLSRoute"};
  }
  if (protocol == "TCP") {
    return {"TCPRoute"};
  }
  if (protocol == "UDP") {
    return {"UDPRoute"};
  }
  return {};
}

bool kind_allowed(Node listener, std::string_view route_kind) {
  auto kinds = allowed_kinds(listener);
  return std::find(kinds.begin(), kinds.end(), route_kind) != kinds.end();
}

bool reference_granted(const Context& ctx, std::string_view from_kind, std::string_view from_namespace,
                       std::string_view to_group, std::string_view to_kind, std::string_view to_namespace,
                       std::string_view to_name) {
  for (const Resource& grant : ctx.list(Kind::ReferenceGrant)) {
    if (grant.namespace_name != to_namespace) {
      continue;
    }
    bool from_ok = false;
    for (Node f : grant.spec()["from"]) {
      from_ok |= f["group"].str() == kGatewayApiGroup && f["kind"].str() == from_kind &&
                 f["namespace"].str() == from_namespace;
    }
    if (!from_ok) {
      continue;
    }
    for (Node t : grant.spec()["to"]) {
      if (t["group"].str() == to_group && t["kind"].str() == to_kind &&
          (!t["name"].is_string() || t["name"].str().empty() || t["name"].str() == to_name)) {
        return true;
      }
    }
  }
  return false;
}

AttachmentResult attach(const Resource& gateway, const Resource& route, const ParentRef& ref) {
  const auto route_hostnames = hostnames(route);
  const std::string_view route_kind = kind_name(route.kind);
  Attachment best = Attachment::NoMatchingParent;
  std::vector<std::string> not_allowed, no_hostname, listeners;
  for (Node l : gateway.spec()["listeners"]) {
    std::string_view name = l["name"].str();
    std::string_view hostname = l["hostname"].is_string() ? l["hostname"].str() : std::string_view("*");
    listeners.push_back(fmt::format("{} (port {})", name, l["port"].is_number_integer() ? l["port"].get<int>() : 0));
    if ((ref.port && port_of(l["port"]) != ref.port) || (!ref.section.empty() && name != ref.section)) {
      continue;  // NoMatchingParent
    }
    if (!route_hostnames_intersect(l, route_hostnames)) {
      no_hostname.push_back(fmt::format("{}: {}", name, hostname));
      if (best == Attachment::NoMatchingParent) {
        best = Attachment::NoMatchingListenerHostname;
      }
      continue;
    }
    if (!namespace_allowed(l, gateway, route.namespace_name)) {
      not_allowed.push_back(fmt::format("listener {} admits routes of namespace {} only", name, gateway.namespace_name));
      best = Attachment::NotAllowedByListeners;
      continue;
    }
    if (!kind_allowed(l, route_kind)) {
      auto kinds = allowed_kinds(l);
      not_allowed.push_back(fmt::format("listener {} admits {}", name,
                                        kinds.empty() ? std::string("no route kind") : fmt::format("{}", fmt::join(kinds, ", "))));
      best = Attachment::NotAllowedByListeners;
      continue;
    }
    return {};
  }
  switch (best) {
    case Attachment::NotAllowedByListeners:
      return {best, fmt::format("{}", fmt::join(not_allowed, "; "))};
    case Attachment::NoMatchingListenerHostname:
      return {best, fmt::format("{}", fmt::join(no_hostname, ", "))};
    default:
      return {Attachment::NoMatchingParent,
              fmt::format("Gateway {}/{} has the listeners {}", gateway.namespace_name, gateway.name,
                          listeners.empty() ? std::string("none") : fmt::format("{}", fmt::join(listeners, ", ")))};
  }
}

const Resource* parent_gateway(const Context& ctx, const ParentRef& ref) {
  if (!ref.is_gateway()) {
    return nullptr;
  }
  return ctx.find(Kind::KubeGateway, ref.namespace_name, ref.name);
}

void for_each_attachment(const Context& ctx, Attachment outcome, const AttachmentVisitor& fn) {
  for (Kind kind : {Kind::GRPCRoute, Kind::HTTPRoute}) {
    for (const Resource& route : ctx.list(kind)) {
      for (const ParentRef& ref : parent_refs(route)) {
        const Resource* gw = parent_gateway(ctx, ref);
        if (gw == nullptr) {
          continue;
        }
        const AttachmentResult r = attach(*gw, route, ref);
        if (r.result == outcome) {
          fn(route, ref, *gw, r);
        }
      }
    }
  }
}

bool grpc_route_serves(const Snapshot& snapshot, std::string_view host) {
  for (const Resource& route : snapshot.list(Kind::GRPCRoute)) {
    const auto names = hostnames(route);
    const bool takes = names.empty() || std::any_of(names.begin(), names.end(), [&](const std::string& h) {
                         return hostnames_intersect(h, host);
                       });
    if (!takes) {
      continue;
    }
    for (const ParentRef& ref : parent_refs(route)) {
      const Resource* gw = ref.is_gateway() ? snapshot.find(Kind::KubeGateway, ref.namespace_name, ref.name) : nullptr;
      if (gw == nullptr || attach(*gw, route, ref).result != Attachment::Attached) {
        continue;
      }
      for (Node l : listeners_for(*gw, ref)) {
        std::string_view lh = l["hostname"].is_string() ? l["hostname"].str() : std::string_view();
        if (hostnames_intersect(lh, host) && route_hostnames_intersect(l, names) &&
            namespace_allowed(l, *gw, route.namespace_name) && kind_allowed(l, "GRPCRoute")) {
          return true;
        }
      }
    }
  }
  return false;
}

}  // namespace grpcmesh::check::gatewayapi
