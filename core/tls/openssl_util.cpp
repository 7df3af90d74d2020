#include "core/tls/openssl_util.hpp"

#include <fmt/format.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <ctime>

#include "core/util/error.hpp"

namespace grpcmesh::tls::ossl {
namespace {

BioPtr memory_bio(std::string_view text) {
  BioPtr bio(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
  if (!bio) {
    throw Error("out of memory reading PEM data");
  }
  return bio;
}

std::string bio_contents(BIO* bio) {
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<size_t>(n));
}

}  // namespace

std::string last_error() {
  unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) {
    return "unknown error";
  }
  const char* reason = ERR_reason_error_string(code);
  return reason != nullptr ? reason : fmt::format("error {:#x}", code);
}

std::string full_error_or(const char* fallback) {
  unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) {
    return fallback;
  }
  char buf[256];
  ERR_error_string_n(code, buf, sizeof buf);
  return buf;
}

std::vector<X509Ptr> read_certificates(std::string_view pem, const std::string& source) {
  if (pem.find("PRIVATE KEY-----") != std::string_view::npos && pem.find("CERTIFICATE-----") == std::string_view::npos) {
    throw Error(fmt::format("{}: holds a private key, not a certificate; pass the certificate file with --cert and "
                            "the key with --key", source));
  }
  std::vector<X509Ptr> certs;
  BioPtr bio = memory_bio(pem);
  ERR_clear_error();
  while (X509* raw = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
    certs.emplace_back(raw);
  }
  unsigned long err = ERR_peek_last_error();
  if (err != 0 && ERR_GET_REASON(err) != PEM_R_NO_START_LINE) {
    throw Error(fmt::format("{}: certificate {} is not valid PEM ({}); pass PEM certificates (-----BEGIN "
                            "CERTIFICATE-----)", source, certs.size() + 1, last_error()));
  }
  ERR_clear_error();
  if (certs.empty()) {
    throw Error(fmt::format("{}: no PEM certificate found; pass the certificate in PEM format (-----BEGIN "
                            "CERTIFICATE-----)", source));
  }
  return certs;
}

PkeyPtr read_private_key(std::string_view pem, const std::string& source) {
  if (pem.find("ENCRYPTED") != std::string_view::npos) {
    throw Error(fmt::format("{}: the private key is encrypted; decrypt it first (openssl pkey -in {} -out "
                            "plain.key) since the gateway cannot use a passphrase", source, source));
  }
  BioPtr bio = memory_bio(pem);
  ERR_clear_error();
  // A non-null empty passphrase callback result makes an encrypted key fail
  // instead of prompting on the terminal.
  auto no_pass = [](char*, int, int, void*) -> int { return 0; };
  PkeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, no_pass, nullptr));
  if (!key) {
    ERR_clear_error();
    throw Error(fmt::format("{}: no PEM private key found; pass an unencrypted PEM private key (-----BEGIN PRIVATE "
                            "KEY-----) with --key", source));
  }
  return key;
}

std::string to_pem(X509* cert) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_X509(bio.get(), cert);
  return bio_contents(bio.get());
}

std::string to_pem(EVP_PKEY* key) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr);
  return bio_contents(bio.get());
}

std::string name_to_string(const X509_NAME* name) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
  return bio_contents(bio.get());
}

std::chrono::system_clock::time_point to_time_point(const ASN1_TIME* t) {
  std::tm tm{};
  if (ASN1_TIME_to_tm(t, &tm) != 1) {
    throw Error("certificate has an unreadable validity date; re-issue the certificate");
  }
  return std::chrono::system_clock::from_time_t(timegm(&tm));
}

std::vector<std::string> dns_names(X509* cert) {
  std::vector<std::string> names;
  auto* sans = static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  if (sans == nullptr) {
    return names;
  }
  for (int i = 0; i < sk_GENERAL_NAME_num(sans); ++i) {
    const GENERAL_NAME* gn = sk_GENERAL_NAME_value(sans, i);
    if (gn->type == GEN_DNS) {
      const ASN1_IA5STRING* s = gn->d.dNSName;
      names.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                         static_cast<size_t>(ASN1_STRING_length(s)));
    }
  }
  GENERAL_NAMES_free(sans);
  return names;
}

std::string sha256_fingerprint(X509* cert) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  X509_digest(cert, EVP_sha256(), md, &n);
  std::string out;
  for (unsigned int i = 0; i < n; ++i) {
    out += fmt::format("{}{:02X}", i == 0 ? "" : ":", md[i]);
  }
  return out;
}

std::string describe_key(const EVP_PKEY* key) {
  const int bits = EVP_PKEY_get_bits(key);
  switch (EVP_PKEY_get_base_id(key)) {
    case EVP_PKEY_RSA: return fmt::format("RSA {}", bits);
    case EVP_PKEY_EC: {
      char curve[64] = {0};
      size_t len = 0;
      if (EVP_PKEY_get_utf8_string_param(key, "group", curve, sizeof curve, &len) != 1) {
        return "ECDSA (unknown curve)";
      }
      std::string name(curve, len);
      if (name == "prime256v1") {
        return "ECDSA P-256";
      }
      if (name == "secp384r1") {
        return "ECDSA P-384";
      }
      if (name == "secp521r1") {
        return "ECDSA P-521";
      }
      return "ECDSA " + name;
    }
    case EVP_PKEY_ED25519: return "Ed25519";
    case EVP_PKEY_ED448: return "Ed448";
    case EVP_PKEY_DSA: return fmt::format("DSA {}", bits);
    default: return fmt::format("{} {}", OBJ_nid2sn(EVP_PKEY_get_base_id(key)), bits);
  }
}

}  // namespace grpcmesh::tls::ossl
