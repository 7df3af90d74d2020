#pragma once

#include <chrono>
#include <string>

namespace grpcmesh::tls {

// A throwaway certificate authority and a server certificate it issued.
struct SelfSigned {
  std::string ca_cert_pem;
  std::string ca_key_pem;  // handle with care: written only on request, mode 0600
  std::string cert_pem;    // the leaf only (clients trust the CA)
  std::string key_pem;
};

// Creates an ECDSA P-256 CA ("<host> CA") and a leaf for `host`
// (subjectAltName DNS:host, serverAuth), both valid from `now` minus one hour
// (clock skew), the CA for ten years and the leaf for `leaf_validity`.
SelfSigned make_self_signed(const std::string& host, std::chrono::system_clock::time_point now,
                            std::chrono::hours leaf_validity = std::chrono::hours(24 * 365));

}  // namespace grpcmesh::tls
