#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>

namespace grpcmesh::manifest {

inline constexpr const char* kGrpcWebFilterName = "envoy.filters.http.grpc_web";
inline constexpr int kGrpcWebFilterPriority = 10;

struct GrpcWebFilterOptions {
  std::string name;
  std::string namespace_name;                  // the gateway workload's namespace
  std::map<std::string, std::string> selector;  // the gateway workload's labels
};

// The EnvoyFilter (networking.istio.io/v1alpha3, the only version it has)
// that adds envoy.filters.http.grpc_web to the gateway's HTTP filter chain
// before the router, with a priority (a relative operation without one is an
// istioctl analyze warning, IST0151). Pilot adds that filter by itself only to plaintext
// GRPC-WEB servers; HTTPS servers need this.
nlohmann::json grpc_web_filter(const GrpcWebFilterOptions& options);

// The default object name for a workload's filter: "grpc-web-" + the
// selector's values ("istio=ingressgateway" -> "grpc-web-ingressgateway").
std::string grpc_web_filter_name(const std::map<std::string, std::string>& selector);

}  // namespace grpcmesh::manifest
