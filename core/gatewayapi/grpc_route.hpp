#pragma once
// GRPCRoutes (gateway.networking.k8s.io/v1) as expose writes them: one per
// host, in the namespace of the host's Gateway, with one rule per backend
// Service. A rule matches its gRPC services (method.service, type Exact:
// Istio routes the path prefix /pkg.Service/) or single methods
// (method.service and method.method: the exact path /pkg.Service/Method); a
// rule without matches is the host's catch-all.

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace grpcmesh::gatewayapi {

// One gRPC match: a whole service (method empty) or one method.
struct MethodMatch {
  std::string service;
  std::string method;
  bool operator==(const MethodMatch&) const = default;
  bool operator<(const MethodMatch& o) const {
    return service != o.service ? service < o.service : method < o.method;
  }
  // "/pkg.Service/" or "/pkg.Service/Method", as Istio matches the path.
  std::string path() const;
};

struct RouteRule {
  std::vector<MethodMatch> matches;  // empty: every call (the catch-all)
  std::string service;               // backendRefs[0]
  std::string service_namespace;     // "" = the route's namespace
  int port = 0;
  // Anything else the rule carries (filters, timeouts, other backends) is
  // kept as it was on a rule of another Service.
  nlohmann::json original;
};

// "pkg.Service/Method" -> {pkg.Service, Method}; throws UsageError naming
// --grpc-method for anything else.
MethodMatch parse_grpc_method(const std::string& value);

// The rules of a GRPCRoute as they are. A rule this tool cannot read back
// (several backends, other match kinds) is kept whole and never rewritten.
std::vector<RouteRule> rules_of(const nlohmann::json& route);

struct GrpcRouteConfig {
  std::string name;
  std::string namespace_name;
  std::string host;
  std::vector<std::string> gateways;  // parentRefs, "ns/name"
  std::vector<RouteRule> rules;
};

nlohmann::json grpc_route(const GrpcRouteConfig& config);

// The ReferenceGrant in `service_namespace` that lets GRPCRoutes of
// `route_namespace` send to Service `service`.
nlohmann::json service_reference_grant(const std::string& name, const std::string& service_namespace,
                                       const std::string& route_namespace, const std::string& service);

}  // namespace grpcmesh::gatewayapi
