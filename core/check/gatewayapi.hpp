#pragma once

// The Gateway API's rules, as check needs them: how a route names its parent
// Gateways and backends (with the defaults the API gives omitted fields),
// which listeners of a Gateway a route may attach to (sectionName, port,
// allowedRoutes, hostnames), and what a ReferenceGrant permits.
// (gateway-api apis/v1 shared_types.go, gateway_types.go, referencegrant_types.go;
// Istio's reading of them: pilot/pkg/config/kube/gateway/conversion.go.)

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/check/analyzer.hpp"

namespace grpcmesh::check::gatewayapi {

// A parentRef with its defaults: group gateway.networking.k8s.io, kind
// Gateway, the route's namespace.
struct ParentRef {
  std::string group;
  std::string kind;
  std::string namespace_name;
  std::string name;
  std::string section;         // "" when not set
  std::optional<int> port;     // when set
  bool is_gateway() const;     // a Gateway API Gateway (not a Service, a ListenerSet, ...)
  std::string str() const;     // "namespace/name" and, when set, "/section" and ":port"
};
std::vector<ParentRef> parent_refs(const Resource& route);

// A backendRef with its defaults: group "" and kind Service, the route's
// namespace. `rule` is the index of its rule.
struct BackendRef {
  std::string group;
  std::string kind;
  std::string namespace_name;
  std::string name;
  std::optional<int> port;
  size_t rule = 0;
  bool is_service() const { return group.empty() && kind == "Service"; }
};
std::vector<BackendRef> backend_refs(const Resource& route);

// The route's spec.hostnames (empty: every hostname of the listener).
std::vector<std::string> hostnames(const Resource& route);
// The host a finding about the route is drawn on: its first hostname, or
// "" when it has none.
std::string route_host(const Resource& route);

// Whether a listener hostname and a route hostname intersect: either empty,
// equal, or one a wildcard (*.example.com: one or more labels) covering the
// other (gateway-api HTTPRoute hostnames).
bool hostnames_intersect(std::string_view listener, std::string_view route);
// Whether any of the route's hostnames intersects the listener's.
bool route_hostnames_intersect(Node listener, const std::vector<std::string>& route_hostnames);

// The listeners of `gateway` the parentRef selects by sectionName and port.
std::vector<Node> listeners_for(const Resource& gateway, const ParentRef& ref);

// Whether the listener's allowedRoutes admit a route of `route_kind` from
// `route_namespace`. A namespace selector cannot be judged without the
// namespaces' labels: it admits.
bool namespace_allowed(Node listener, const Resource& gateway, std::string_view route_namespace);
bool kind_allowed(Node listener, std::string_view route_kind);
// The route kinds the listener admits, as Istio lists them in supportedKinds.
std::vector<std::string> allowed_kinds(Node listener);

// Whether a ReferenceGrant in `to_namespace` lets objects of `from_kind` in
// `from_namespace` refer to the object `to_name` of `to_group`/`to_kind`.
bool reference_granted(const Context& ctx, std::string_view from_kind, std::string_view from_namespace,
                       std::string_view to_group, std::string_view to_kind, std::string_view to_namespace,
                       std::string_view to_name);

// How istiod attaches a route to the Gateway a parentRef names, judged per
// listener in its order (referenceAllowed in conversion.go: port and
// sectionName, then hostnames, with the listener's allowedRoutes namespaces,
// then kinds) and, when no listener takes the route, reported with the
// reason of the listener that came closest (NotAllowedByListeners before
// NoMatchingListenerHostname before NoMatchingParent, conditions.go).
enum class Attachment { Attached, NotAllowedByListeners, NoMatchingListenerHostname, NoMatchingParent };
struct AttachmentResult {
  Attachment result = Attachment::Attached;
  std::string detail;  // what the listeners are and why none takes the route
};
AttachmentResult attach(const Resource& gateway, const Resource& route, const ParentRef& ref);

// The Gateway API Gateway a parentRef names, if any.
const Resource* parent_gateway(const Context& ctx, const ParentRef& ref);

// Calls fn for every parentRef of every GRPCRoute and HTTPRoute whose Gateway
// exists and whose attachment there ends in `outcome`.
using AttachmentVisitor = std::function<void(const Resource& route, const ParentRef& ref, const Resource& gateway,
                                             const AttachmentResult& result)>;
void for_each_attachment(const Context& ctx, Attachment outcome, const AttachmentVisitor& fn);

// Whether a GRPCRoute attached to a Gateway of the snapshot serves `host` on
// some listener: the route's hostnames (or, without any, every hostname)
// and the hostname of a listener the route attaches to both take the host.
// The Gateway API side of "does check draw a path for this host" (the
// Istio side is paths.hpp); a host no route serves gets 404 (NR).
bool grpc_route_serves(const Snapshot& snapshot, std::string_view host);

}  // namespace grpcmesh::check::gatewayapi
