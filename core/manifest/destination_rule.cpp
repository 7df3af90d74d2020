#include "core/manifest/destination_rule.hpp"

#include "core/manifest/names.hpp"

namespace grpcmesh::manifest {

nlohmann::json destination_rule(const DestinationRuleOptions& o) {
  nlohmann::json pool = nlohmann::json::object();
  if (!o.pool.http_idle_timeout.empty()) {
    pool["http"]["idleTimeout"] = o.pool.http_idle_timeout;
  }
  if (!o.pool.max_connection_duration.empty()) {
    pool["tcp"]["maxConnectionDuration"] = o.pool.max_connection_duration;
  }
  if (o.pool.keepalive) {
    nlohmann::json k = nlohmann::json::object();
    if (o.pool.keepalive->probes > 0) {
      k["probes"] = o.pool.keepalive->probes;
    }
    if (!o.pool.keepalive->time.empty()) {
      k["time"] = o.pool.keepalive->time;
    }
    if (!o.pool.keepalive->interval.empty()) {
      k["interval"] = o.pool.keepalive->interval;
    }
    pool["tcp"]["tcpKeepalive"] = k;
  }
  nlohmann::json metadata = {{"name", o.name}, {"namespace", o.namespace_name}};
  if (o.ours) {
    metadata["labels"] = {{std::string(kManagedByLabel), std::string(kManagedByValue)}};
  }
  return {
      {"apiVersion", o.api_version},
      {"kind", "DestinationRule"},
      {"metadata", metadata},
      {"spec", {{"host", o.host}, {"trafficPolicy", {{"connectionPool", pool}}}}},
  };
}

}  // namespace grpcmesh::manifest
