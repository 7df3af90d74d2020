#pragma once

#include <optional>
#include <string>

#include "core/check/tree.hpp"
#include "core/tls/leaf_facts.hpp"

namespace grpcmesh::check {

// A TLS Secret as Istio reads it (pilot/pkg/credentials/kube/secrets.go):
// tls.crt + tls.key, or cert + key; `data` is base64, `stringData` plain.
// What check keeps of a Secret instead of its data.
struct TlsCredential {
  std::optional<tls::LeafFacts> certificate;  // the leaf, set when usable
  bool key_matches = false;                   // the private key belongs to it
  std::string problem;                        // why it is not usable; empty when it is
  bool has_ca = false;                        // ca.crt or cacert present
};

// Reads the certificate and key with core/tls (never keeping key material):
// read_tls_secret_quickly(), else read_tls_secret_with_openssl().
TlsCredential read_tls_secret(Node secret);

// Without libcrypto (tls::read_matching_leaf), for the Secrets that allows
// (nearly all usable ones); nullopt when only OpenSSL can tell.
std::optional<TlsCredential> read_tls_secret_quickly(Node secret);

// With OpenSSL alone (tls::inspect and tls::key_matches).
TlsCredential read_tls_secret_with_openssl(Node secret);

}  // namespace grpcmesh::check
