#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace grpcmesh::mesh {

// One port of a backend Service, as the API server holds it.
struct BackendPort {
  std::string name;
  int port = 0;
  std::string protocol = "TCP";
  std::optional<std::string> app_protocol;  // absent and empty differ for Istio
};

// spec.ports of a Service.
std::vector<BackendPort> backend_ports(const nlohmann::json& service);

// The port `expose` routes to, for Istio's API and the Gateway API alike:
// --port when given (the Service must have it), else the Service's only
// port. Without the Service (--dry-run=client) --port is required and taken
// as it is. `namespace_name/service` names the Service in messages.
BackendPort pick_backend_port(const std::string& namespace_name, const std::string& service,
                              const std::optional<int>& port, const std::optional<nlohmann::json>& service_object);

}  // namespace grpcmesh::mesh
