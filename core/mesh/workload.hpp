#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace grpcmesh::mesh {

using Labels = std::map<std::string, std::string>;

// Parses "k=v,k2=v2" (equality selectors only, as a Gateway's selector is).
// Throws UsageError on anything else.
Labels parse_selector(const std::string& selector);
std::string format_selector(const Labels& labels);

// Does `selector` select an object with `labels` (every key equal)? An empty
// selector selects nothing, as for a Service.
bool selects(const Labels& selector, const Labels& labels);

struct ExposedPort {
  std::string name;
  int port = 0;
  std::string target_port;  // number or name, as written ("" = same as port)
  std::string protocol = "TCP";
};

// The gateway workload a Gateway's selector picks: its pods, their
// namespace, and the Service in front of them.
struct GatewayWorkload {
  Labels selector;
  std::string namespace_name;
  std::vector<std::string> pods;
  int ready_pods = 0;
  std::string service;  // "" when no Service selects the pods
  std::string service_type;
  std::vector<ExposedPort> ports;
};

// Finds the workload from pods and services (JSON objects as the API
// returns them). `namespace_hint` (may be empty) restricts the search.
// Throws grpcmesh::Error when no pod matches, or when pods match in several
// namespaces and no hint picks one.
GatewayWorkload find_gateway_workload(const Labels& selector, const std::vector<nlohmann::json>& pods,
                                      const std::vector<nlohmann::json>& services,
                                      const std::string& namespace_hint = {});

// Is `port` exposed by the workload's Service, as port or as targetPort?
bool exposes(const GatewayWorkload& workload, int port);

// Throws grpcmesh::Error unless `exposes`: the message lists the Service's
// ports and gives the exact kubectl patch that adds the missing one.
void require_exposed(const GatewayWorkload& workload, int port, const std::string& flag);

// The default gateway port of a kind ("https" -> 443 or a port named https*,
// "http2" -> 80 or a port named http2*/http*), nothing when the Service
// exposes none.
std::optional<int> default_port(const GatewayWorkload& workload, const std::string& kind);

}  // namespace grpcmesh::mesh
