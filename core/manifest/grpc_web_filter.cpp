#include "core/manifest/grpc_web_filter.hpp"

#include <cctype>

#include "core/manifest/names.hpp"

namespace grpcmesh::manifest {

nlohmann::json grpc_web_filter(const GrpcWebFilterOptions& o) {
  // First in the chain, where Istio itself puts grpc_web on GRPC-WEB servers
  // (before grpc_stats, fault and cors; the Istio oracle shows both chains):
  // grpc_stats then counts gRPC-Web calls as gRPC, and an abort the fault
  // filter injects reaches the browser framed as gRPC-Web. INSERT_FIRST
  // needs no other filter to be there.
  nlohmann::json patch = {
      {"applyTo", "HTTP_FILTER"},
      {"match",
       {{"context", "GATEWAY"},
        {"listener", {{"filterChain", {{"filter", {{"name", "envoy.filters.network.http_connection_manager"}}}}}}}}},
      {"patch",
       {{"operation", "INSERT_FIRST"},
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
      // A priority orders this patch among other EnvoyFilters' patches of
      // the same workload (istioctl analyze warns, IST0151, about relative
      // operations without one).
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
