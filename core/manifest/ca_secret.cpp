#include "core/manifest/ca_secret.hpp"

#include "core/manifest/names.hpp"
#include "core/manifest/tls_secret.hpp"

namespace grpcmesh::manifest {

nlohmann::json ca_secret(const std::string& credential_name, const std::string& namespace_name,
                         const std::string& ca_pem) {
  return {
      {"apiVersion", "v1"},
      {"kind", "Secret"},
      {"metadata",
       {{"name", credential_name + "-cacert"},
        {"namespace", namespace_name},
        {"labels", {{std::string(kManagedByLabel), std::string(kManagedByValue)}}}}},
      {"type", "Opaque"},
      {"data", {{"ca.crt", base64(ca_pem)}}},
  };
}

}  // namespace grpcmesh::manifest
