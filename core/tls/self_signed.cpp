#include "core/tls/self_signed.hpp"

#include <openssl/bn.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include "core/tls/openssl_util.hpp"
#include "core/util/error.hpp"

namespace grpcmesh::tls {
namespace {

ossl::PkeyPtr new_p256_key() {
  ossl::PkeyPtr key(EVP_EC_gen("P-256"));
  if (!key) {
    throw Error("cannot generate an ECDSA P-256 key: " + ossl::last_error());
  }
  return key;
}

void check(int ok, const char* what) {
  if (ok != 1) {
    throw Error(std::string("cannot build the self-signed certificate (") + what + "): " + ossl::last_error());
  }
}

void add_ext(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  if (ext == nullptr) {
    throw Error(std::string("cannot build certificate extension ") + OBJ_nid2sn(nid) + ": " + ossl::last_error());
  }
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
}

ossl::X509Ptr new_cert(const std::string& common_name, EVP_PKEY* key, std::chrono::system_clock::time_point from,
                       std::chrono::system_clock::time_point to) {
  ossl::X509Ptr cert(X509_new());
  check(X509_set_version(cert.get(), 2), "version");
  unsigned char serial[16];
  check(RAND_bytes(serial, sizeof serial), "serial");
  serial[0] &= 0x7f;  // positive
  BIGNUM* bn = BN_bin2bn(serial, sizeof serial, nullptr);
  BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert.get()));
  BN_free(bn);
  ASN1_TIME_set(X509_getm_notBefore(cert.get()), std::chrono::system_clock::to_time_t(from));
  ASN1_TIME_set(X509_getm_notAfter(cert.get()), std::chrono::system_clock::to_time_t(to));
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>("kubectl-grpcmesh"),
                             -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(common_name.c_str()),
                             -1, -1, 0);
  check(X509_set_pubkey(cert.get(), key), "public key");
  return cert;
}

}  // namespace

SelfSigned make_self_signed(const std::string& host, std::chrono::system_clock::time_point now,
                            std::chrono::hours leaf_validity) {
  const auto from = now - std::chrono::hours(1);
  auto ca_key = new_p256_key();
  auto ca = new_cert(host + " CA", ca_key.get(), from, now + std::chrono::hours(24 * 3650));
  check(X509_set_issuer_name(ca.get(), X509_get_subject_name(ca.get())), "CA issuer");
  add_ext(ca.get(), ca.get(), NID_basic_constraints, "critical,CA:TRUE,pathlen:0");
  add_ext(ca.get(), ca.get(), NID_key_usage, "critical,keyCertSign,cRLSign");
  add_ext(ca.get(), ca.get(), NID_subject_key_identifier, "hash");
  if (X509_sign(ca.get(), ca_key.get(), EVP_sha256()) == 0) {
    throw Error("cannot sign the CA certificate: " + ossl::last_error());
  }

  auto key = new_p256_key();
  auto leaf = new_cert(host, key.get(), from, now + leaf_validity);
  check(X509_set_issuer_name(leaf.get(), X509_get_subject_name(ca.get())), "issuer");
  add_ext(leaf.get(), ca.get(), NID_basic_constraints, "critical,CA:FALSE");
  add_ext(leaf.get(), ca.get(), NID_key_usage, "critical,digitalSignature");
  add_ext(leaf.get(), ca.get(), NID_ext_key_usage, "serverAuth");
  add_ext(leaf.get(), ca.get(), NID_subject_key_identifier, "hash");
  add_ext(leaf.get(), ca.get(), NID_authority_key_identifier, "keyid:always");
  add_ext(leaf.get(), ca.get(), NID_subject_alt_name, ("DNS:" + host).c_str());
  if (X509_sign(leaf.get(), ca_key.get(), EVP_sha256()) == 0) {
    throw Error("cannot sign the server certificate: " + ossl::last_error());
  }
  return SelfSigned{ossl::to_pem(ca.get()), ossl::to_pem(ca_key.get()), ossl::to_pem(leaf.get()),
                    ossl::to_pem(key.get())};
}

}  // namespace grpcmesh::tls
