#pragma once

// Hosts a gateway server accepts that no VirtualService routes: Envoy gets a
// virtual host only for the intersection of a server's hosts with the hosts
// of the VirtualServices bound to its Gateway, so every other host answers
// 404 with response flag NR (istio pilot/pkg/networking/core/gateway.go
// buildGatewayHTTPRouteConfig: serverHosts.Intersection(virtualServiceHosts),
// and the "default 404 vhost" when nothing intersects).

#include <string>
#include <vector>

#include "core/check/snapshot.hpp"

namespace grpcmesh::check {

class Context;

// One server host without a route.
struct UnroutedHost {
  const Resource* gateway = nullptr;
  Node server;
  std::string host;  // as the server names it, without its namespace part
};

// Every host of an HTTP-serving Gateway server (protocol HTTP, HTTP2, GRPC,
// GRPC-WEB, HTTP_PROXY, or HTTPS terminating TLS; not an httpsRedirect
// server, which answers every host with a redirect) that no VirtualService
// bound to the Gateway and visible to the server (its "ns/" host prefix,
// "." being the Gateway's namespace) intersects. Sorted by host.
// `source` is the Snapshot, or a Context declaring Gateway and VirtualService.
template <typename Source>
std::vector<UnroutedHost> unrouted_hosts(const Source& source);

}  // namespace grpcmesh::check
