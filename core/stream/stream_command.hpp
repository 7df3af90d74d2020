#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/mesh/cluster_state.hpp"
#include "core/mesh/change_set.hpp"
#include "core/mesh/host_config.hpp"
#include "core/stream/duration.hpp"
#include "core/stream/gateway_settings.hpp"

namespace grpcmesh::stream {

// On the gateway Deployment (metadata, so changing it restarts nothing):
// which host asked --gateway-idle-timeout for which timeout, as a JSON object
// {"grpc.example.com":"1h"}. The pods get the longest; a host's --remove
// drops only its entry, and the last one takes the setting away.
inline constexpr const char* kGatewayIdleTimeoutsAnnotation = "kubectl-grpcmesh/gateway-idle-timeouts";

// On a DestinationRule stream sets (metadata, next to the settings): which
// host asked for which backend connection settings, as a JSON object
// {"grpc.example.com":{"idleTimeout":"24h","maxConnectionDuration":"4h",
// "tcpKeepalive":{"interval":"30s","probes":3,"time":"5m"}}}. Several hosts
// routed to one backend share its rule, so the rule gets what serves all of
// them: the longest idle timeout and maximum connection duration (none when
// any host asks for none), the shortest keepalive time and interval, the most
// probes. A host's --remove drops only its entry; the last one takes the
// settings away.
inline constexpr const char* kStreamSettingsAnnotation = "kubectl-grpcmesh/stream-settings";

// `stream`: make a host's routes and upstream connections safe for
// long-lived gRPC streams.
struct StreamOptions {
  std::string host;
  std::vector<std::string> prefixes;         // "/pkg.Service/" from --grpc-service; empty = every route
  std::optional<Duration> route_timeout;     // --timeout: an explicit (non-zero) route timeout
  Duration idle_timeout{24 * 3600 * 1000};   // --idle-timeout
  Duration keepalive_time{300000};           // --keepalive-time
  Duration keepalive_interval{30000};        // --keepalive-interval
  int keepalive_probes = 3;                  // --keepalive-probes
  std::optional<Duration> max_connection_duration;
  std::optional<Duration> gateway_idle_timeout;  // --gateway-idle-timeout: change the gateway workload
  std::vector<std::string> backends;         // --backend NAMESPACE/SERVICE (required with --dry-run=client)
  std::string cluster_domain = "cluster.local";
  std::string field_manager = "kubectl-grpcmesh";
  bool force = false;
  bool remove = false;
};

// Throws grpcmesh::Error (exit 1) for a zero --timeout (Istio rejects 0s; omitting the
// field is what disables it) and for out-of-range keepalive settings.
void validate_stream_options(const StreamOptions& options);

struct StreamFacts {
  std::string api_version = "networking.istio.io/v1";
  bool live = true;                                 // false with --dry-run=client
  std::vector<mesh::ServerRef> servers;             // Gateway servers for the host
  std::vector<nlohmann::json> virtual_services;     // every VirtualService for the host
  std::vector<nlohmann::json> destination_rules;    // every readable DestinationRule
  GatewayInputs gateway;                            // mesh config, gateway pods, Istio version
  std::optional<nlohmann::json> gateway_deployment;  // the Deployment of the gateway pods
};

StreamFacts read_stream_facts(mesh::ClusterState& state, const StreamOptions& options);
StreamFacts stream_facts_from_flags(const StreamOptions& options);

// The backend hosts (FQDNs) of the selected routes, sorted.
std::vector<std::string> backend_hosts(const std::vector<nlohmann::json>& virtual_services,
                                       const std::vector<std::string>& prefixes, const std::string& cluster_domain);

// The DestinationRule whose spec.host names `fqdn` (short names resolve
// against the rule's namespace); the one in the backend's namespace first.
std::optional<nlohmann::json> destination_rule_for(const std::vector<nlohmann::json>& rules, const std::string& fqdn,
                                                   const std::string& cluster_domain);

// The gateway pods' Deployment: the one whose pod template labels the
// selector picks.
std::optional<nlohmann::json> gateway_deployment(const std::vector<nlohmann::json>& deployments,
                                                 const mesh::Labels& selector);

mesh::ChangeSet plan_stream(const StreamOptions& options, const StreamFacts& facts);

}  // namespace grpcmesh::stream
