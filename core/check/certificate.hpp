#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace grpcmesh::check {

// What check needs to know of a serving certificate.
struct Certificate {
  std::chrono::system_clock::time_point not_before;
  std::chrono::system_clock::time_point not_after;
  std::vector<std::string> dns_names;  // subjectAltName DNS entries (or the CN when there are none)
  bool key_matches = false;            // the private key belongs to the certificate
};

// A TLS Secret as Istio reads it (pilot/pkg/credentials/kube/secrets.go):
// tls.crt + tls.key, or cert + key; `data` is base64, `stringData` plain.
struct TlsCredential {
  std::optional<Certificate> certificate;  // set when usable
  std::string problem;                     // why it is not usable; empty when it is
};

TlsCredential read_tls_secret(const nlohmann::json& secret);

// Whether a Secret holds a client CA where Istio reads one: a non-empty
// cacert or ca.crt entry (pilot/pkg/credentials/kube/secrets.go ExtractRoot).
bool has_client_ca(const nlohmann::json& secret);

// Whether a certificate DNS name covers a host ("*.example.com" covers one label).
bool dns_name_covers(const std::string& name, const std::string& host);

// "2026-01-02T03:04:05Z"
std::string format_time(std::chrono::system_clock::time_point t);

}  // namespace grpcmesh::check
