#pragma once

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
};

// The paths of every host a VirtualService bound to a Gateway serves, as far
// as the snapshot shows them, and of every host a Gateway server accepts but
// no route serves (drawn up to the server, then a route hop that is missing:
// core/check/unrouted.hpp); sorted by host.
std::vector<HostPath> trace_paths(const Snapshot& snapshot);

}  // namespace grpcmesh::check
