#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace grpcmesh::manifest {

// connectionPool.tcp.tcpKeepalive: durations in Istio's syntax ("5m").
struct TcpKeepalive {
  std::string time;
  std::string interval;
  int probes = 0;
};

// The connection pool settings that keep long-lived gRPC streams alive
// between the gateway and a backend. Empty strings are left unset.
struct StreamConnectionPool {
  std::string http_idle_timeout;        // connectionPool.http.idleTimeout
  std::optional<TcpKeepalive> keepalive;  // connectionPool.tcp.tcpKeepalive
  std::string max_connection_duration;  // connectionPool.tcp.maxConnectionDuration
};

struct DestinationRuleOptions {
  std::string name;
  std::string namespace_name;
  std::string api_version = "networking.istio.io/v1";
  std::string host;      // spec.host exactly as the DestinationRule writes it
  bool ours = true;      // false: a patch of someone else's DestinationRule (no managed-by label)
  StreamConnectionPool pool;
};

// The DestinationRule apply configuration: spec.host and only the
// connectionPool fields set in `pool`, so that applied onto an existing
// DestinationRule it co-owns those fields and leaves the rest (subsets, tls,
// loadBalancer) to their owners. It never sets h2UpgradePolicy (UPGRADE with
// useClientProtocol is invalid, and the backend port already selects HTTP/2).
nlohmann::json destination_rule(const DestinationRuleOptions& options);

}  // namespace grpcmesh::manifest
