#pragma once

#include <set>
#include <string>
#include <vector>

#include "core/check/messages.hpp"
#include "core/check/snapshot.hpp"

namespace grpcmesh::check {

// One hop of the path a call to a host takes, labelled with the objects that
// make it up ("istio-system/istio-ingressgateway 127.0.0.1").
struct PathHop {
  Hop hop;
  std::string label;
};

// client -> load balancer -> gateway server -> route -> service port -> endpoints
struct HostPath {
  std::string host;
  std::vector<PathHop> hops;
  // Which APIs serve the host. The skipped analyzers of the other API
  // (Skipped::needs_istio, Skipped::gateway_api) are not drawn under its hops.
  bool istio = true;
  bool gateway_api = false;
};

// The paths of every host a VirtualService bound to a Gateway serves, as far
// as the snapshot shows them, and of every host a Gateway server accepts but
// no route serves (drawn up to the server, then a route hop that is missing:
// core/check/unrouted.hpp); sorted by host.
//
// The Gateway API's hosts are drawn the same way: the Gateway's load balancer
// (its status.addresses and the Service istiod deployed for it:
// core/gatewayapi/address.hpp), the listeners a GRPCRoute or HTTPRoute
// attaches to (port, protocol, hostname, TLS certificateRefs), the route's
// rules, its backendRefs' Service ports and their endpoints; a listener
// hostname no route attaches to is drawn up to the listener. A host served
// through both APIs has the hops of both.
std::vector<HostPath> trace_paths(const Snapshot& snapshot);

// The hostnames of the Gateway API routes and listeners (of `namespace_name`,
// or of all namespaces when it is empty), sorted.
std::vector<std::string> gateway_api_hosts(const Snapshot& snapshot, const std::string& namespace_name);

// Adds the Gateway API objects whose findings belong to `host`: the Gateways
// with a listener for it, the routes naming it, their parent Gateways and
// backend Services.
void add_gateway_api_related(const Snapshot& snapshot, const std::string& host, std::set<ResourceRef>& out);

}  // namespace grpcmesh::check
