#pragma once
// What the retry analyzers share: which http rules carry gRPC, and which
// backends are set up for long-lived streams.

#include <cstdint>
#include <string>

#include "core/check/analyzer.hpp"
#include "core/check/mesh.hpp"

namespace grpcmesh::check::retry_rules {

// Does the http rule of `virtual_service` carry gRPC? A gRPC path, content
// type or CORS header in the rule, or a destination Service port that is
// gRPC by name or appProtocol. Reads Services (the analyzer declares them).
// (stream_timeouts asks the same of route timeouts.)
bool carries_grpc(const Context& ctx, const Resource& virtual_service, Node rule);

// Calls visit(virtual_service, hosts, index, rule, retries) for every http
// rule of every VirtualService that has a retries block.
template <typename Visit>
void for_each_retries(Context& ctx, Visit&& visit) {
  for (const Resource& vs : ctx.list(Kind::VirtualService)) {
    const auto hosts = mesh::hosts(vs);
    Node rules = vs.spec()["http"];
    for (size_t i = 0; i < rules.size(); ++i) {
      Node retries = rules[i]["retries"];
      if (retries.is_object()) {
        visit(vs, hosts, static_cast<int>(i), rules[i], retries);
      }
    }
  }
}

// A DestinationRule (the analyzer declares them) for a destination of the
// rule whose connection pool is set up for long-lived streams, as `stream`
// sets it: tcp.tcpKeepalive, or an http.idleTimeout longer than Istio's 1h
// default. Null when there is none.
const Resource* stream_settings_rule(const Context& ctx, const Resource& virtual_service, Node rule);

// The retries block's attempts (0 when left out, as Istio reads it).
std::int64_t attempts(Node retries);

}  // namespace grpcmesh::check::retry_rules
