#pragma once
// `expose --api gateway-api`: the host's GRPCRoute (one rule per Service),
// the Service port made HTTP/2-aware through appProtocol, and a
// ReferenceGrant when the route and the Service are in different namespaces.

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/gatewayapi/grpc_route.hpp"
#include "core/mesh/change_set.hpp"

namespace grpcmesh::gatewayapi {

// GEP-1911's standard value for HTTP/2 over cleartext, which Istio reads as HTTP2.
inline constexpr const char* kH2c = "kubernetes.io/h2c";

struct ExposeOptions {
  std::string service;
  std::string namespace_name;
  std::string host;
  std::vector<std::string> grpc_services;  // validated; with grpc_methods empty too: the catch-all
  std::vector<MethodMatch> grpc_methods;   // --grpc-method SERVICE/METHOD
  std::optional<int> port;
  std::string app_protocol = kH2c;  // or "grpc" (--app-protocol)
  std::string gateway;              // --gateway NS/NAME; "" = the Gateways with a listener for the host
  std::string gateway_namespace;    // --dry-run=client: the host's Gateway's namespace
  bool force = false;               // --force-conflicts: take matches routed to other Services
  bool remove = false;
};

struct ExposeFacts {
  std::optional<nlohmann::json> service;          // unknown with --dry-run=client
  std::vector<std::string> gateways;              // "ns/name": the route's parentRefs
  std::string route_namespace;                    // the first Gateway's
  std::optional<nlohmann::json> route;            // the host's GRPCRoute as it is now
  std::optional<nlohmann::json> reference_grant;  // ours for the route and Service, as it is now
  std::vector<nlohmann::json> other_routes;       // other GRPCRoutes and HTTPRoutes for the host
  std::optional<int> ready_endpoints;             // unknown when not readable
};

// The ReferenceGrant's name in the Service's namespace: "<host-object-name>-<service>".
std::string reference_grant_name(const ExposeOptions& options);

// --dry-run=client: the Gateway from --gateway or --gateway-namespace.
ExposeFacts expose_facts_from_flags(const ExposeOptions& options);

mesh::ChangeSet plan_expose(const ExposeOptions& options, const ExposeFacts& facts);

}  // namespace grpcmesh::gatewayapi
