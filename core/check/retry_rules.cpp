#include "core/check/retry_rules.hpp"

#include "core/check/mesh.hpp"

namespace grpcmesh::check::retry_rules {

using namespace std::chrono_literals;

bool carries_grpc(const Context& ctx, const Resource& vs, Node rule) {
  if (mesh::rule_looks_grpc(rule)) {
    return true;
  }
  for (Node route : rule["route"]) {
    Node dest = route["destination"];
    auto name = mesh::service_for_host(dest["host"].str(), vs.namespace_name);
    const Resource* svc = name ? ctx.find(Kind::Service, name->namespace_name, name->name) : nullptr;
    if (svc == nullptr) {
      continue;
    }
    Node number = dest["port"]["number"];
    Node port = mesh::destination_port(*svc, number.is_number_integer() ? number.get<int>() : 0);
    if (!port.is_null() &&
        (mesh::port_looks_grpc(*svc, port) || mesh::is_grpc(mesh::port_protocol(port).protocol))) {
      return true;
    }
  }
  return false;
}

const Resource* stream_settings_rule(const Context& ctx, const Resource& vs, Node rule) {
  for (Node route : rule["route"]) {
    auto backend = mesh::service_for_host(route["destination"]["host"].str(), vs.namespace_name);
    if (!backend) {
      continue;
    }
    for (const Resource& dr : ctx.list(Kind::DestinationRule)) {
      auto host = mesh::service_for_host(string_field(dr.spec(), "host"), dr.namespace_name);
      if (!host || *host != *backend) {
        continue;
      }
      Node pool = dr.spec()["trafficPolicy"]["connectionPool"];
      Node idle = pool["http"]["idleTimeout"];
      auto idle_timeout = idle.is_string() ? mesh::parse_duration(idle.str()) : std::nullopt;
      if (pool["tcp"].contains("tcpKeepalive") || (idle_timeout && *idle_timeout > 1h)) {
        return &dr;
      }
    }
  }
  return nullptr;
}

std::int64_t attempts(Node retries) {
  Node a = retries["attempts"];
  return a.is_number_integer() ? a.get<std::int64_t>() : 0;
}

}  // namespace grpcmesh::check::retry_rules
