#pragma once
// Small RAII and conversion helpers over OpenSSL, shared by core.

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace grpcmesh::tls::ossl {

struct BioFree {
  void operator()(BIO* p) const { BIO_free_all(p); }
};
struct X509Free {
  void operator()(X509* p) const { X509_free(p); }
};
struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
using BioPtr = std::unique_ptr<BIO, BioFree>;
using X509Ptr = std::unique_ptr<X509, X509Free>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;

// The first error on OpenSSL's queue as text (and clears the queue).
std::string last_error();
// The first error on the queue in OpenSSL's full form ("error:0A000086:SSL
// routines::certificate verify failed"), or `fallback` when the queue is
// empty; clears the queue.
std::string full_error_or(const char* fallback);

// Every certificate in a PEM text; throws grpcmesh::Error naming `source`.
std::vector<X509Ptr> read_certificates(std::string_view pem, const std::string& source);

// An unencrypted PEM private key; throws grpcmesh::Error naming `source`.
PkeyPtr read_private_key(std::string_view pem, const std::string& source);

std::string to_pem(X509* cert);
std::string to_pem(EVP_PKEY* key);

std::string name_to_string(const X509_NAME* name);
std::chrono::system_clock::time_point to_time_point(const ASN1_TIME* t);
std::vector<std::string> dns_names(X509* cert);
std::string sha256_fingerprint(X509* cert);
std::string describe_key(const EVP_PKEY* key);

}  // namespace grpcmesh::tls::ossl
