#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

namespace grpcmesh::tls {

using Clock = std::chrono::system_clock;

// What a user needs to know about one X.509 certificate. Never holds key
// material.
struct CertificateInfo {
  std::string subject;                 // RFC 2253, e.g. "CN=grpc.example.com"
  std::string issuer;                  // RFC 2253
  std::vector<std::string> dns_names;  // subjectAltName DNS entries
  Clock::time_point not_before;
  Clock::time_point not_after;
  std::string sha256_fingerprint;  // "AB:CD:..." over the DER encoding
  std::string public_key;          // "ECDSA P-256", "RSA 2048", ...
  bool is_ca = false;
};

// Reads every PEM certificate in `pem`, in order. Throws grpcmesh::Error
// naming `source` when there is none or one is malformed.
std::vector<CertificateInfo> inspect(std::string_view pem, const std::string& source);

// The PEM inputs for a gateway server certificate, with the names (usually
// file paths) that error messages use.
struct Bundle {
  std::string cert_pem;  // leaf first, then intermediates
  std::string key_pem;   // unencrypted private key
  std::string ca_pem;    // optional: CA bundle for client certificates (MUTUAL)
  std::string cert_source = "certificate";
  std::string key_source = "key";
  std::string ca_source = "CA";
};

struct Validation {
  std::vector<CertificateInfo> chain;  // leaf first
  std::vector<std::string> warnings;   // e.g. expiry within 30 days
};

// Checks, before anything is written: the key parses and matches the leaf,
// each certificate is issued by the next one (chain order), the leaf's DNS
// subjectAltNames cover `host` (RFC 6125 wildcards), every certificate is
// inside its validity window at `now`, and the key type and size are ones
// Envoy serves. The first failure throws grpcmesh::Error with one line that
// says what is wrong and how to fix it; an expiry within 30 days is a warning.
Validation validate(const Bundle& bundle, std::string_view host, Clock::time_point now);

// Whether `key_pem` is the private key of the first (leaf) certificate in
// `cert_pem`. Throws grpcmesh::Error naming `cert_source` or `key_source`
// when that one is not PEM.
bool key_matches(std::string_view cert_pem, std::string_view key_pem, const std::string& cert_source,
                 const std::string& key_source);

// Does a certificate DNS name (possibly "*.example.com") cover `host`? A
// wildcard stands for exactly one whole left-most label; matching ignores
// case. A wildcard host (a Gateway may serve "*.example.com") is covered only
// by the identical wildcard name.
bool dns_name_covers(std::string_view pattern, std::string_view host);

// "2026-11-26 10:41:09 UTC".
std::string format_time(Clock::time_point t);

}  // namespace grpcmesh::tls
