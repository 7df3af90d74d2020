#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/mesh/cluster_state.hpp"
#include "core/mesh/change_set.hpp"
#include "core/mesh/protoset.hpp"
#include "core/stream/duration.hpp"

namespace grpcmesh::mesh {

enum class PortNaming { AppProtocol, Name };

// `expose`: route a host's gRPC services to a Service port over HTTP/2.
struct ExposeOptions {
  std::string service;
  std::string namespace_name;
  std::string host;
  std::vector<std::string> grpc_services;  // validated names; empty = catch-all
  std::optional<int> port;
  PortNaming port_naming = PortNaming::AppProtocol;
  std::string gateway;            // --gateway NAMESPACE/NAME; "" = the Gateways serving the host
  std::string gateway_namespace;  // --dry-run=client: where the host's Gateway is
  std::string cluster_domain = "cluster.local";
  bool force = false;  // --force-conflicts: also take over prefixes routed to other Services
  std::string field_manager = "kubectl-grpcmesh";  // whose port fields --remove gives back
  bool remove = false;
  // The retry policy of the Service's routes (core/manifest/retry_policy.hpp).
  // None of the three given: no retries block, Istio's default applies.
  std::optional<int> retries;                        // --retries: attempts (0 turns retries off)
  std::string retry_on;                              // --retry-on, normalised; "" = not given
  std::optional<stream::Duration> per_try_timeout;   // --per-try-timeout
  bool allow_stream_cut = false;  // --allow-stream-cut: a perTryTimeout on a host stream keeps open
  // The methods of --protoset (the routed ones among them are checked for
  // server streams a perTryTimeout would cut); its name for messages.
  std::vector<ProtosetMethod> methods;
  std::string protoset;
};

struct ExposeFacts {
  std::string api_version = "networking.istio.io/v1";
  std::optional<nlohmann::json> service;       // unknown with --dry-run=client
  std::vector<std::string> gateways;           // "namespace/name" the VirtualService binds to
  std::string virtual_service_namespace;
  std::optional<nlohmann::json> virtual_service;     // ours for the host, as it is now
  std::vector<nlohmann::json> other_virtual_services;  // others for the host (route table, overlaps)
  std::optional<int> ready_endpoints;                // unknown when not readable
  // meshConfig.defaultHttpRetryPolicy (null when unset); unknown with --dry-run=client.
  std::optional<nlohmann::json> mesh_retry_default;
  // DestinationRules ("namespace/name") where `stream` recorded settings for
  // the host: long-lived streams are intended there (read only with --per-try-timeout).
  std::vector<std::string> stream_settings;
};

// The DestinationRules ("namespace/name") whose stream::kStreamSettingsAnnotation
// records settings for `host`.
std::vector<std::string> stream_settings_for_host(const std::vector<nlohmann::json>& destination_rules,
                                                  const std::string& host);

ExposeFacts read_expose_facts(ClusterState& state, const ExposeOptions& options);
ExposeFacts expose_facts_from_flags(const ExposeOptions& options);

ChangeSet plan_expose(const ExposeOptions& options, const ExposeFacts& facts);

}  // namespace grpcmesh::mesh
