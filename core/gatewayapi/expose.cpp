#include "core/gatewayapi/expose.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "core/gatewayapi/gateway.hpp"
#include "core/manifest/names.hpp"
#include "core/manifest/service_port.hpp"
#include "core/mesh/backend_port.hpp"
#include "core/mesh/protocol.hpp"
#include "core/util/error.hpp"

namespace grpcmesh::gatewayapi {
namespace {

using Port = mesh::BackendPort;

Port pick_port(const ExposeOptions& o, const ExposeFacts& f) {
  return mesh::pick_backend_port(o.namespace_name, o.service, o.port, f.service);
}

mesh::ServicePort istio_view(const Port& p) {
  mesh::ServicePort out{p.port, p.name, p.protocol, std::nullopt};
  if (p.app_protocol) {
    out.app_protocol = *p.app_protocol;
  }
  return out;
}

// The Service change that makes the gateway speak HTTP/2 to the port, if any.
std::optional<nlohmann::json> port_change(const ExposeOptions& o, const ExposeFacts& f, const Port& p,
                                          mesh::ChangeSet& cs) {
  const std::string ref = o.namespace_name + "/" + o.service;
  if (mesh::convert_protocol(istio_view(p)) == mesh::protocol::kUdp) {
    throw Error(fmt::format("port {} of Service {} is UDP, and gRPC needs TCP; pick a TCP port with --port", p.port,
                            ref));
  }
  if (f.service && p.app_protocol == o.app_protocol) {
    cs.notes.push_back(fmt::format("Port {} of Service {} already has appProtocol {}", p.port, ref, o.app_protocol));
    return std::nullopt;
  }
  return manifest::service_port({o.service, o.namespace_name, p.port, p.protocol, o.app_protocol, ""});
}

std::vector<MethodMatch> wanted_matches(const ExposeOptions& o) {
  std::vector<MethodMatch> out;
  for (const auto& s : o.grpc_services) {
    out.push_back({s, ""});
  }
  out.insert(out.end(), o.grpc_methods.begin(), o.grpc_methods.end());
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

bool same_backend(const RouteRule& r, const std::string& service, const std::string& ns,
                  const std::string& route_namespace) {
  return !r.service.empty() && r.service == service &&
         (r.service_namespace.empty() ? route_namespace : r.service_namespace) == ns;
}

std::string backend_of(const RouteRule& r, const std::string& route_namespace) {
  return (r.service_namespace.empty() ? route_namespace : r.service_namespace) + "/" + r.service;
}

std::string describe_match(const MethodMatch& m) { return m.method.empty() ? m.service : m.service + "/" + m.method; }

// The rules after this Service's rule is set to `wanted` (empty: the
// catch-all). Rules of other Services are kept; a match (or the catch-all)
// they hold is an error unless `force`, which takes it over.
std::vector<RouteRule> merge_rules(const std::vector<RouteRule>& existing, const ExposeOptions& o, int port,
                                   const std::string& route_namespace) {
  const std::vector<MethodMatch> wanted = wanted_matches(o);
  std::vector<RouteRule> out;
  for (RouteRule r : existing) {
    if (same_backend(r, o.service, o.namespace_name, route_namespace)) {
      continue;  // replaced below
    }
    if (r.service.empty()) {
      out.push_back(std::move(r));
      continue;
    }
    const bool catch_all = r.matches.empty();
    if (catch_all && wanted.empty()) {
      if (!o.force) {
        throw Error(fmt::format("every other gRPC call on {} goes to Service {} already (the GRPCRoute's catch-all "
                                "rule); name the services with --grpc-service, or pass --force-conflicts to take "
                                "the catch-all over",
                                o.host, backend_of(r, route_namespace)));
      }
      continue;
    }
    std::vector<MethodMatch> kept;
    for (const MethodMatch& m : r.matches) {
      if (std::find(wanted.begin(), wanted.end(), m) == wanted.end()) {
        kept.push_back(m);
      } else if (!o.force) {
        throw Error(fmt::format("{} on {} goes to Service {} already; pass --force-conflicts to route it to {}/{} "
                                "instead",
                                describe_match(m), o.host, backend_of(r, route_namespace), o.namespace_name,
                                o.service));
      }
    }
    if (kept.empty() && !catch_all) {
      continue;  // all its matches taken over: without any it would catch everything
    }
    r.matches = kept;
    out.push_back(std::move(r));
  }
  RouteRule mine;
  mine.matches = wanted;
  mine.service = o.service;
  mine.service_namespace = o.namespace_name == route_namespace ? "" : o.namespace_name;
  mine.port = port;
  for (const RouteRule& r : existing) {
    if (same_backend(r, o.service, o.namespace_name, route_namespace)) {
      mine.original = r.original;  // filters and the like set on it stay
      break;
    }
  }
  out.push_back(mine);
  // Specific rules first, the catch-all last (Gateway API picks the most
  // specific match whatever the order; this keeps the list stable).
  std::stable_sort(out.begin(), out.end(), [](const RouteRule& a, const RouteRule& b) {
    return !a.matches.empty() && b.matches.empty();
  });
  return out;
}

}  // namespace

std::string reference_grant_name(const ExposeOptions& o) { return manifest::host_object_name(o.host) + "-" + o.service; }


ExposeFacts expose_facts_from_flags(const ExposeOptions& o) {
  ExposeFacts f;
  if (!o.gateway.empty()) {
    f.gateways = {o.gateway};
    f.route_namespace = o.gateway.substr(0, o.gateway.find('/'));
  } else if (!o.gateway_namespace.empty()) {
    f.gateways = {o.gateway_namespace + "/" + manifest::host_object_name(o.host)};
    f.route_namespace = o.gateway_namespace;
  } else {
    throw UsageError("--dry-run=client cannot look up the host's Gateway; pass --gateway-namespace (e.g. "
                     "istio-ingress) or --gateway NAMESPACE/NAME");
  }
  return f;
}

mesh::ChangeSet plan_expose(const ExposeOptions& o, const ExposeFacts& f) {
  mesh::ChangeSet cs;
  const std::string name = manifest::host_object_name(o.host);
  const std::string route_ref = f.route_namespace + "/" + name;
  if (f.route && !manifest::managed_by_us(*f.route)) {
    throw Error(fmt::format("GRPCRoute {} already exists and was not created by kubectl-grpcmesh; rename or delete "
                            "it, since expose owns that GRPCRoute's rules",
                            route_ref));
  }
  const std::vector<RouteRule> current = f.route ? rules_of(*f.route) : std::vector<RouteRule>{};
  GrpcRouteConfig route{name, f.route_namespace, o.host, f.gateways, {}};
  const bool cross_namespace = o.namespace_name != f.route_namespace;
  const std::string grant_ref = o.namespace_name + "/" + reference_grant_name(o);

  if (o.remove) {
    for (const RouteRule& r : current) {
      if (!same_backend(r, o.service, o.namespace_name, f.route_namespace)) {
        route.rules.push_back(r);
      }
    }
    if (f.service) {
      cs.changes.push_back({mesh::Change::Kind::Release, *f.service});
    }
    if (f.route && route.rules.empty()) {
      cs.changes.push_back({mesh::Change::Kind::Release, *f.route});
    } else if (f.route && route.rules.size() != current.size()) {
      cs.changes.push_back({mesh::Change::Kind::Apply, grpc_route(route)});
    }
    if (f.reference_grant && manifest::managed_by_us(*f.reference_grant)) {
      cs.changes.push_back({mesh::Change::Kind::Release, *f.reference_grant});
    }
    cs.notes.push_back(fmt::format("{} no longer routes to Service {}/{}", o.host, o.namespace_name, o.service));
    return cs;
  }

  const Port port = pick_port(o, f);
  if (auto change = port_change(o, f, port, cs)) {
    cs.changes.push_back({mesh::Change::Kind::Apply, *change});
  }
  route.rules = merge_rules(current, o, port.port, f.route_namespace);
  cs.changes.push_back({mesh::Change::Kind::Apply, grpc_route(route)});
  if (cross_namespace) {
    cs.changes.push_back({mesh::Change::Kind::Apply,
                          service_reference_grant(reference_grant_name(o), o.namespace_name, f.route_namespace, o.service)});
  }

  const std::vector<MethodMatch> wanted = wanted_matches(o);
  for (const nlohmann::json& other : f.other_routes) {
    cs.warnings.push_back(fmt::format("{} {} also routes {}; Gateway API merges the routes of a host by match "
                                      "precedence, so check that it does not take the calls meant for {}/{}",
                                      other.value("kind", ""), ref(other), o.host, o.namespace_name, o.service));
  }
  if (f.ready_endpoints && *f.ready_endpoints == 0) {
    cs.warnings.push_back(fmt::format("Service {}/{} has no ready endpoints: calls through the gateway fail with "
                                      "UNAVAILABLE until its pods are ready",
                                      o.namespace_name, o.service));
  }
  std::string what = wanted.empty() ? "every gRPC call" : "";
  for (const auto& m : wanted) {
    what += (what.empty() ? "" : ", ") + describe_match(m);
  }
  cs.notes.push_back(fmt::format("{} routes {} to Service {}/{} port {} through GRPCRoute {} (parents {})", o.host,
                                 what, o.namespace_name, o.service, port.port, route_ref, fmt::join(f.gateways, ", ")));
  if (cross_namespace) {
    cs.notes.push_back(fmt::format("ReferenceGrant {} lets GRPCRoutes of namespace {} send to Service {}/{}",
                                   grant_ref, f.route_namespace, o.namespace_name, o.service));
  }
  return cs;
}

}  // namespace grpcmesh::gatewayapi
