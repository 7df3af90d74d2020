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
// that adds envoy.filters.http.grpc_web first in the gateway's HTTP filter
// chain, where Pilot puts it on the plaintext GRPC-WEB servers it adds it to
// by itself; HTTPS servers need this. Its priority orders it among other
// EnvoyFilters of the same pods.
nlohmann::json grpc_web_filter(const GrpcWebFilterOptions& options);

// The default object name for a workload's filter: "grpc-web-" + the
// selector's values ("istio=ingressgateway" -> "grpc-web-ingressgateway").
std::string grpc_web_filter_name(const std::map<std::string, std::string>& selector);

}  // namespace grpcmesh::manifest
