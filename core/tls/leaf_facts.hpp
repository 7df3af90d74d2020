#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/tls/certificate.hpp"

namespace grpcmesh::tls {

// What a diagnosis needs of a serving certificate.
struct LeafFacts {
  Clock::time_point not_before;
  Clock::time_point not_after;
  std::vector<std::string> dns_names;  // subjectAltName DNS entries, in order
};

// The facts of the first certificate in `cert_pem` when `key_pem` is its
// private key, read straight from DER without loading libcrypto, for the
// shapes nearly every TLS Secret has: X.509 certificates in CERTIFICATE
// blocks and an unencrypted RSA or EC (P-256, P-384, P-521, public point
// included) key in PKCS#8, PKCS#1 or SEC1 form. nullopt for anything else,
// a key of another certificate and malformed input included: inspect() and
// key_matches() (OpenSSL) tell those apart. A match is byte-equal public
// parts, which OpenSSL's EVP_PKEY_eq compares too; where this answers, it
// answers as they do (tests/unit/tls/leaf_facts_test.cpp compares the
// two, on damaged input as well).
std::optional<LeafFacts> read_matching_leaf(std::string_view cert_pem, std::string_view key_pem);

// The same facts from inspect()'s description of the leaf.
LeafFacts leaf_facts(const CertificateInfo& info);

}  // namespace grpcmesh::tls
