#include "core/check/certificate.hpp"

#include "core/kube/encoding.hpp"
#include "core/util/error.hpp"

namespace grpcmesh::check {
namespace {

// The value of one key of the Secret, decoded; nullopt when absent.
std::optional<std::string> secret_value(Node secret, std::string_view key, bool& bad_base64) {
  Node plain = secret["stringData"][key];
  if (plain.is_string()) {
    return std::string(plain.str());
  }
  Node encoded = secret["data"][key];
  if (!encoded.is_string()) {
    return std::nullopt;
  }
  auto decoded = kube::base64_decode(encoded.str());
  if (!decoded) {
    bad_base64 = true;
  }
  return decoded;
}

}  // namespace

TlsCredential read_tls_secret(Node secret) {
  TlsCredential out;
  bool bad_base64 = false;
  auto cert_pem = secret_value(secret, "tls.crt", bad_base64);
  auto key_pem = secret_value(secret, "tls.key", bad_base64);
  if (!cert_pem && !key_pem) {
    cert_pem = secret_value(secret, "cert", bad_base64);
    key_pem = secret_value(secret, "key", bad_base64);
  }
  for (const char* key : {"ca.crt", "cacert"}) {
    for (const char* section : {"data", "stringData"}) {
      Node value = secret[section][key];
      out.has_ca = out.has_ca || (value.is_string() && !value.str().empty());
    }
  }
  if (bad_base64) {
    out.problem = "a data value is not valid base64";
    return out;
  }
  if (!cert_pem || !key_pem) {
    out.problem = "it has no tls.crt and tls.key (or cert and key) entries";
    return out;
  }
  std::vector<tls::CertificateInfo> chain;
  try {
    chain = tls::inspect(*cert_pem, "tls.crt");
  } catch (const Error&) {
    out.problem = "tls.crt is not a PEM certificate";
    return out;
  }
  try {
    out.key_matches = tls::key_matches(*cert_pem, *key_pem, "tls.crt", "tls.key");
  } catch (const Error&) {
    out.problem = "tls.key is not a PEM private key";
    return out;
  }
  out.certificate = std::move(chain.front());
  return out;
}

}  // namespace grpcmesh::check
