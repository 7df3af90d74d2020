#pragma once

// What a gateway proxy sees of the mesh's configuration, by Istio's rules:
// exportTo on VirtualServices, Services and DestinationRules, the
// DestinationRule Istio picks for a Service, and the namespace part of a
// Gateway server's hosts. The proxy's namespace is its workload's (e.g.
// istio-system), not the Gateway resource's. Each rule cites where Istio
// implements it; the oracle tests (tests/oracle) compare them with Istio's
// own config generator.

#include <string>
#include <string_view>
#include <vector>

#include "core/check/analyzer.hpp"

namespace grpcmesh::check::mesh {

// The root namespace of a default install (MeshConfig rootNamespace).
inline constexpr std::string_view kRootNamespace = "istio-system";

// exportTo of a VirtualService or DestinationRule (spec.exportTo), or of a
// Service (its networking.istio.io/exportTo annotation, comma-separated).
std::vector<std::string> export_to(const Resource& resource);
// Whether an object of namespace `own` with that exportTo is visible from
// namespace `from`: no exportTo is the mesh default "*"; "." is its own
// namespace; "~" nothing (pilot/pkg/model/push_context.go IsServiceVisible,
// VirtualServicesForGateway).
bool visible_from(const std::vector<std::string>& export_to, std::string_view own, std::string_view from);

// A destination host as Istio resolves it in a namespace: a name without a
// dot gets ".<ns>.svc.cluster.local", anything else is taken as it is
// (pkg/config/model.go ResolveShortnameToFQDN).
std::string fqdn(std::string_view host, std::string_view ns);

// The DestinationRules Istio applies to a Service host for a proxy in
// `proxy_ns` (pilot/pkg/model/push_context.go destinationRule and
// setDestinationRules): the proxy namespace's own rules first (in the root
// namespace, its private ones), then those the Service's namespace exports
// to the proxy, then those the root namespace exports; the most specific
// host match at the first level that has one.
std::vector<const Resource*> destination_rules_for(const Context& ctx, std::string_view service_fqdn,
                                                   std::string_view service_ns, std::string_view proxy_ns);

// The namespaces of the gateway workloads of the Gateways a VirtualService
// binds to (needs Pod and/or Service declared, like workload_namespaces).
std::vector<std::string> proxy_namespaces(const Context& ctx, const Resource& virtual_service);

// Whether a Gateway server host entry ("host", "ns/host", "./host",
// "*/host") admits a VirtualService of `route_ns` for `host`
// (pilot/pkg/model/gateway.go, pkg/config/host/names.go NamesForNamespace).
bool server_admits(std::string_view entry, std::string_view gateway_ns, std::string_view route_ns,
                   std::string_view host);
// The servers of a Gateway that admit a VirtualService of `route_ns` for
// `host`.
std::vector<Node> servers_admitting(const Resource& gateway, std::string_view route_ns, std::string_view host);
// Whether one of the Gateways has such a server: Istio needs a route's host
// on any one of the Gateways it binds to.
bool admitted_by_any(const std::vector<const Resource*>& gateways, std::string_view route_ns, std::string_view host);

}  // namespace grpcmesh::check::mesh
