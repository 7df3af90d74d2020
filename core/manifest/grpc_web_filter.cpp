#include "core/manifest/grpc_web_filter.hpp"

#include <cctype>

#include "core/manifest/names.hpp"

namespace grpcmesh::manifest {

nlohmann::json grpc_web_filter(const GrpcWebFilterOptions& o) {
  nlohmann::json patch = {
      {"applyTo", "HTTP_FILTER"},
      {"match",
       {{"context", "GATEWAY"},
        {"listener",
         {{"filterChain",
           {{"filter",
             {{"name", "envoy.filters.network.http_connection_manager"},
              {"subFilter", {{"name", "envoy.filters.http.router"}}}}}}}}}}},
      {"patch",
       {{"operation", "INSERT_BEFORE"},
        {"value",
         {{"name", kGrpcWebFilterName},
          {"typed_config", {{"@type", "type.googleapis.com/envoy.extensions.filters.http.grpc_web.v3.GrpcWeb"}}}}}}},
  };
  return {
      {"apiVersion", "networking.istio.io/v1alpha3"},
      {"kind", "EnvoyFilter"},
      {"metadata",
       {{"name", o.name},
        {"namespace", o.namespace_name},
        {"labels", {{std::string(kManagedByLabel), std::string(kManagedByValue)}}}}},
      // INSERT_BEFORE is relative: without a priority istioctl analyze warns
      // (IST0151) that the patch may not apply; any non-zero priority settles
      // the order.
      {"spec",
       {{"workloadSelector", {{"labels", o.selector}}},
        {"priority", kGrpcWebFilterPriority},
        {"configPatches", {patch}}}},
  };
}

std::string grpc_web_filter_name(const std::map<std::string, std::string>& selector) {
  std::string out = "grpc-web";
  for (const auto& [key, value] : selector) {
    std::string part;
    for (char c : value) {
      const auto u = static_cast<unsigned char>(c);
      part += std::isalnum(u) != 0 ? static_cast<char>(std::tolower(u)) : '-';
    }
    out += "-" + part;
  }
  while (out.size() > 63 || out.back() == '-') {
    out.pop_back();
  }
  return out;
}

}  // namespace grpcmesh::manifest
