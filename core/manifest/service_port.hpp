#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace grpcmesh::manifest {

struct ServicePortOptions {
  std::string service;
  std::string namespace_name;
  int port = 0;                    // spec.ports[].port: with protocol, the list-map key
  std::string protocol = "TCP";    // the other key
  std::string app_protocol;        // "grpc": set appProtocol (Istio reads it before the name)
  std::string name;                // when set, rename the port instead (e.g. "grpc-api")
};

// A minimal Service apply configuration touching one port: only the list-map
// keys (port, protocol) and the field we own (appProtocol or name), so
// server-side apply merges it into the port without taking other fields.
nlohmann::json service_port(const ServicePortOptions& options);

}  // namespace grpcmesh::manifest
