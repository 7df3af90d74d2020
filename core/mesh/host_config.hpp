#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "core/mesh/workload.hpp"

namespace grpcmesh::mesh {

// Does a Gateway server or VirtualService host ("[ns/]name", "*",
// "*.example.com": Istio wildcards match any depth) cover `host`?
bool istio_host_covers(std::string_view pattern, std::string_view host);

// One Gateway server that serves a host.
struct ServerRef {
  std::string gateway_namespace;
  std::string gateway_name;
  size_t index = 0;  // position in spec.servers
  int port = 0;
  std::string port_name;
  std::string protocol;  // HTTPS, HTTP2, HTTP, GRPC, TLS, ...
  std::string tls_mode;  // "" when no tls block
  std::string credential_name;
  Labels selector;
  bool managed_by_us = false;  // the Gateway carries our managed-by label
  std::string ref() const { return gateway_namespace + "/" + gateway_name; }
};

// Every server of every Gateway (JSON objects) whose hosts cover `host`, in
// input order.
std::vector<ServerRef> servers_for_host(const std::vector<nlohmann::json>& gateways, std::string_view host);

// The VirtualServices (JSON objects) whose hosts cover `host`.
std::vector<nlohmann::json> virtual_services_for_host(const std::vector<nlohmann::json>& virtual_services,
                                                      std::string_view host);

// One row of a host's route table.
struct RouteRow {
  std::string match;        // "/pkg.Service/" prefix, "*" for a catch-all, or a description
  std::string destination;  // "host:port", several joined by ", "
  std::string virtual_service;  // "namespace/name"
};

// The http routes of the VirtualServices, in the order Istio evaluates each
// VirtualService's list.
std::vector<RouteRow> route_table(const std::vector<nlohmann::json>& virtual_services);

// The table as aligned text with a header (MATCH DESTINATION VIRTUALSERVICE).
std::string format_route_table(const std::vector<RouteRow>& rows);

}  // namespace grpcmesh::mesh
