#include "core/manifest/service_port.hpp"

namespace grpcmesh::manifest {

nlohmann::json service_port(const ServicePortOptions& o) {
  nlohmann::json port = {{"port", o.port}, {"protocol", o.protocol}};
  if (!o.app_protocol.empty()) {
    port["appProtocol"] = o.app_protocol;
  }
  if (!o.name.empty()) {
    port["name"] = o.name;
  }
  return {
      {"apiVersion", "v1"},
      {"kind", "Service"},
      {"metadata", {{"name", o.service}, {"namespace", o.namespace_name}}},
      {"spec", {{"ports", {port}}}},
  };
}

}  // namespace grpcmesh::manifest
