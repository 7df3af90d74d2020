#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace grpcmesh::manifest {

// One gRPC route: every method under `prefix` ("/pkg.Service/", or "" for a
// catch-all) goes to a Service port.
struct GrpcRoute {
  std::string prefix;
  std::string service;
  std::string namespace_name;
  int port = 0;
  bool operator==(const GrpcRoute&) const = default;
};

struct VirtualServiceOptions {
  std::string name;
  std::string namespace_name;
  std::string api_version = "networking.istio.io/v1";
  std::string host;
  std::vector<std::string> gateways;  // "namespace/name"
  std::vector<GrpcRoute> routes;      // in order; a catch-all must be last
  std::string cluster_domain = "cluster.local";
};

// The VirtualService apply configuration for a host: `http` routes (gRPC is
// HTTP/2; tcp/tls routes never see its paths), each with a uri prefix match
// (none for the catch-all) and a destination naming the Service by FQDN and
// its port number.
nlohmann::json virtual_service(const VirtualServiceOptions& options);

}  // namespace grpcmesh::manifest
