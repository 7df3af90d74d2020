#include "core/check/certificate.hpp"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <cctype>
#include <ctime>
#include <memory>

#include "core/check/resource.hpp"

namespace grpcmesh::check {
namespace {

struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
struct KeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct NamesFree {
  void operator()(GENERAL_NAMES* n) const { GENERAL_NAMES_free(n); }
};

std::optional<std::string> base64_decode(const std::string& in) {
  std::string clean;
  for (char c : in) {
    if (!std::isspace(static_cast<unsigned char>(c))) {
      clean += c;
    }
  }
  if (clean.size() % 4 != 0) {
    return std::nullopt;
  }
  std::string out(clean.size() / 4 * 3, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(clean.data()), static_cast<int>(clean.size()));
  if (n < 0) {
    return std::nullopt;
  }
  size_t pad = 0;
  if (!clean.empty() && clean.back() == '=') {
    pad = clean.size() >= 2 && clean[clean.size() - 2] == '=' ? 2 : 1;
  }
  out.resize(static_cast<size_t>(n) - pad);
  return out;
}

// The value of one key of the Secret, decoded; nullopt when absent.
std::optional<std::string> secret_value(const nlohmann::json& secret, const std::string& key, bool& bad_base64) {
  const auto& plain = field(field(secret, "stringData"), key);
  if (plain.is_string()) {
    return plain.get<std::string>();
  }
  const auto& encoded = field(field(secret, "data"), key);
  if (!encoded.is_string()) {
    return std::nullopt;
  }
  auto decoded = base64_decode(encoded.get<std::string>());
  if (!decoded) {
    bad_base64 = true;
  }
  return decoded;
}

std::chrono::system_clock::time_point to_time(const ASN1_TIME* t) {
  std::tm tm{};
  ASN1_TIME_to_tm(t, &tm);
  return std::chrono::system_clock::from_time_t(timegm(&tm));
}

std::vector<std::string> dns_names(X509* cert) {
  std::vector<std::string> out;
  std::unique_ptr<GENERAL_NAMES, NamesFree> names(
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr)));
  if (names) {
    for (int i = 0; i < sk_GENERAL_NAME_num(names.get()); ++i) {
      const GENERAL_NAME* name = sk_GENERAL_NAME_value(names.get(), i);
      if (name->type == GEN_DNS) {
        const ASN1_IA5STRING* s = name->d.dNSName;
        out.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                         static_cast<size_t>(ASN1_STRING_length(s)));
      }
    }
  }
  if (out.empty()) {
    char cn[256] = {};
    if (X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, cn, sizeof(cn)) > 0) {
      out.emplace_back(cn);
    }
  }
  return out;
}

}  // namespace

bool has_client_ca(const nlohmann::json& secret) {
  for (const char* key : {"cacert", "ca.crt"}) {
    for (const char* section : {"data", "stringData"}) {
      const auto& value = field(field(secret, section), key);
      if (value.is_string() && !value.get<std::string>().empty()) {
        return true;
      }
    }
  }
  return false;
}

TlsCredential read_tls_secret(const nlohmann::json& secret) {
  // Failed parses leave entries on OpenSSL's error queue; never leak them to
  // the next TLS connection.
  struct ClearErrors {
    ~ClearErrors() { ERR_clear_error(); }
  } clear_errors;
  TlsCredential out;
  bool bad_base64 = false;
  auto cert_pem = secret_value(secret, "tls.crt", bad_base64);
  auto key_pem = secret_value(secret, "tls.key", bad_base64);
  if (!cert_pem && !key_pem) {
    cert_pem = secret_value(secret, "cert", bad_base64);
    key_pem = secret_value(secret, "key", bad_base64);
  }
  if (bad_base64) {
    out.problem = "a data value is not valid base64";
    return out;
  }
  if (!cert_pem || !key_pem) {
    out.problem = "it has no tls.crt and tls.key (or cert and key) entries";
    return out;
  }
  std::unique_ptr<BIO, BioFree> cert_bio(BIO_new_mem_buf(cert_pem->data(), static_cast<int>(cert_pem->size())));
  std::unique_ptr<X509, X509Free> cert(PEM_read_bio_X509(cert_bio.get(), nullptr, nullptr, nullptr));
  if (!cert) {
    out.problem = "tls.crt is not a PEM certificate";
    return out;
  }
  std::unique_ptr<BIO, BioFree> key_bio(BIO_new_mem_buf(key_pem->data(), static_cast<int>(key_pem->size())));
  std::unique_ptr<EVP_PKEY, KeyFree> key(PEM_read_bio_PrivateKey(key_bio.get(), nullptr, nullptr, nullptr));
  if (!key) {
    out.problem = "tls.key is not a PEM private key";
    return out;
  }
  Certificate c;
  c.not_before = to_time(X509_get0_notBefore(cert.get()));
  c.not_after = to_time(X509_get0_notAfter(cert.get()));
  c.dns_names = dns_names(cert.get());
  c.key_matches = X509_check_private_key(cert.get(), key.get()) == 1;
  out.certificate = std::move(c);
  return out;
}

bool dns_name_covers(const std::string& name, const std::string& host) {
  auto lower = [](std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
    return s;
  };
  std::string n = lower(name);
  std::string h = lower(host);
  if (n == h) {
    return true;
  }
  if (n.starts_with("*.")) {
    auto dot = h.find('.');
    return dot != std::string::npos && dot > 0 && h.substr(dot) == n.substr(1);
  }
  return false;
}

std::string format_time(std::chrono::system_clock::time_point t) {
  std::time_t tt = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace grpcmesh::check
