#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace grpcmesh::manifest {

struct TlsSecretOptions {
  std::string name;            // the Gateway server's credentialName
  std::string namespace_name;  // the gateway WORKLOAD's namespace
  std::string cert_pem;        // leaf first, then intermediates
  std::string key_pem;
  std::string ca_pem;  // optional: CA for client certificates (tls.mode MUTUAL) as ca.crt
};

// The kubernetes.io/tls Secret apply configuration (data base64-encoded).
nlohmann::json tls_secret(const TlsSecretOptions& options);

// RFC 4648 base64 with padding, as Secret data carries it.
std::string base64(std::string_view bytes);

}  // namespace grpcmesh::manifest

namespace grpcmesh::manifest {

// Decodes base64 as Secret data carries it; throws grpcmesh::Error on bad input.
std::string base64_decode(std::string_view text);

}  // namespace grpcmesh::manifest
