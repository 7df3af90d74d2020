#include "core/manifest/virtual_service.hpp"

#include "core/manifest/names.hpp"

namespace grpcmesh::manifest {

nlohmann::json virtual_service(const VirtualServiceOptions& o) {
  nlohmann::json http = nlohmann::json::array();
  for (const GrpcRoute& r : o.routes) {
    nlohmann::json route = {
        {"route",
         {{{"destination",
            {{"host", service_fqdn(r.service, r.namespace_name, o.cluster_domain)}, {"port", {{"number", r.port}}}}}}}},
    };
    if (!r.prefix.empty()) {
      route["match"] = {{{"uri", {{"prefix", r.prefix}}}}};
    }
    http.push_back(route);
  }
  return {
      {"apiVersion", o.api_version},
      {"kind", "VirtualService"},
      {"metadata",
       {{"name", o.name},
        {"namespace", o.namespace_name},
        {"labels", {{std::string(kManagedByLabel), std::string(kManagedByValue)}}}}},
      {"spec", {{"hosts", {o.host}}, {"gateways", o.gateways}, {"http", http}}},
  };
}

}  // namespace grpcmesh::manifest
