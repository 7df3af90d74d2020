#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace grpcmesh::manifest {

// The "<credentialName>-cacert" Secret Istio reads the client CA from for a
// MUTUAL server (key ca.crt), in the gateway workload's namespace.
nlohmann::json ca_secret(const std::string& credential_name, const std::string& namespace_name,
                         const std::string& ca_pem);

}  // namespace grpcmesh::manifest
