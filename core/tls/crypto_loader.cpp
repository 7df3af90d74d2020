// libcrypto, loaded when first used. Only certificate work needs it (tls,
// init --client-ca, check on Secrets, a kubeconfig's client certificate,
// grpcurl over TLS),
// and loading and relocating libcrypto.so.3 costs every process about
// 1.4 MiB of memory before it does anything. So the binary does not link
// libcrypto: the functions the code calls are defined here and forward to the
// real ones, looked up in libcrypto.so.3 (dlopen) on the first call. When
// libcurl or libssl has loaded libcrypto already, dlopen returns that same
// copy, so objects pass freely between them. The headers are OpenSSL's own,
// which check every signature here; a function not provided fails the link.
#include <dlfcn.h>
#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/stack.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <strings.h>

#include <cstdarg>
#include <cstddef>

#include "core/util/dynamic_library.hpp"

namespace {

constexpr int kFlags = RTLD_LAZY | RTLD_LOCAL;
constinit const grpcmesh::util::LazyLibrary kLibcrypto("libcrypto.so.3", kFlags, "libssl3");

}  // namespace

#define GRPCMESH_CRYPTO(ret, name, params, args) GRPCMESH_FORWARD(kLibcrypto, ret, name, params, args)

extern "C" {

// ASN.1 strings and times
GRPCMESH_CRYPTO(const unsigned char*, ASN1_STRING_get0_data, (const ASN1_STRING* x), (x))
GRPCMESH_CRYPTO(int, ASN1_STRING_length, (const ASN1_STRING* x), (x))
GRPCMESH_CRYPTO(int, ASN1_TIME_print, (BIO * bp, const ASN1_TIME* tm), (bp, tm))
GRPCMESH_CRYPTO(ASN1_TIME*, ASN1_TIME_set, (ASN1_TIME * s, time_t t), (s, t))
GRPCMESH_CRYPTO(int, ASN1_TIME_to_tm, (const ASN1_TIME* s, struct tm* tm), (s, tm))

// BIO
GRPCMESH_CRYPTO(long, BIO_ctrl, (BIO * bp, int cmd, long larg, void* parg), (bp, cmd, larg, parg))
GRPCMESH_CRYPTO(int, BIO_free, (BIO * a), (a))
GRPCMESH_CRYPTO(void, BIO_free_all, (BIO * a), (a))
GRPCMESH_CRYPTO(BIO*, BIO_new, (const BIO_METHOD* type), (type))
GRPCMESH_CRYPTO(BIO*, BIO_new_mem_buf, (const void* buf, int len), (buf, len))
GRPCMESH_CRYPTO(const BIO_METHOD*, BIO_s_mem, (void), ())

// Big numbers (serial numbers)
GRPCMESH_CRYPTO(BIGNUM*, BN_bin2bn, (const unsigned char* s, int len, BIGNUM* ret), (s, len, ret))
GRPCMESH_CRYPTO(void, BN_free, (BIGNUM * a), (a))
GRPCMESH_CRYPTO(ASN1_INTEGER*, BN_to_ASN1_INTEGER, (const BIGNUM* bn, ASN1_INTEGER* ai), (bn, ai))

// Errors
GRPCMESH_CRYPTO(void, ERR_clear_error, (void), ())
GRPCMESH_CRYPTO(unsigned long, ERR_get_error, (void), ())
GRPCMESH_CRYPTO(unsigned long, ERR_peek_last_error, (void), ())
GRPCMESH_CRYPTO(const char*, ERR_reason_error_string, (unsigned long e), (e))
GRPCMESH_CRYPTO(void, ERR_error_string_n, (unsigned long e, char* buf, size_t len), (e, buf, len))

// Digests and keys
GRPCMESH_CRYPTO(int, EVP_DigestFinal_ex, (EVP_MD_CTX * ctx, unsigned char* md, unsigned int* s), (ctx, md, s))
GRPCMESH_CRYPTO(int, EVP_DigestInit_ex, (EVP_MD_CTX * ctx, const EVP_MD* type, ENGINE* impl), (ctx, type, impl))
GRPCMESH_CRYPTO(int, EVP_DigestUpdate, (EVP_MD_CTX * ctx, const void* d, size_t cnt), (ctx, d, cnt))
GRPCMESH_CRYPTO(void, EVP_MD_CTX_free, (EVP_MD_CTX * ctx), (ctx))
GRPCMESH_CRYPTO(EVP_MD_CTX*, EVP_MD_CTX_new, (void), ())
GRPCMESH_CRYPTO(const EVP_MD*, EVP_sha256, (void), ())
GRPCMESH_CRYPTO(int, EVP_PKEY_eq, (const EVP_PKEY* a, const EVP_PKEY* b), (a, b))
GRPCMESH_CRYPTO(void, EVP_PKEY_free, (EVP_PKEY * pkey), (pkey))
GRPCMESH_CRYPTO(int, EVP_PKEY_get_base_id, (const EVP_PKEY* pkey), (pkey))
GRPCMESH_CRYPTO(int, EVP_PKEY_get_bits, (const EVP_PKEY* pkey), (pkey))
GRPCMESH_CRYPTO(int, EVP_PKEY_get_utf8_string_param,
                (const EVP_PKEY* pkey, const char* key_name, char* str, size_t max_buf_sz, size_t* out_sz),
                (pkey, key_name, str, max_buf_sz, out_sz))

// The variadic key generator behind EVP_EC_gen and EVP_RSA_gen: "RSA" takes
// the size in bits (size_t), "EC" the curve name, other types nothing, as in
// OpenSSL's own implementation.
EVP_PKEY* EVP_PKEY_Q_keygen(OSSL_LIB_CTX* libctx, const char* propq, const char* type, ...) {
  static const auto fn = kLibcrypto.symbol<decltype(&::EVP_PKEY_Q_keygen)>("EVP_PKEY_Q_keygen");
  va_list args;
  va_start(args, type);
  EVP_PKEY* key = nullptr;
  if (strcasecmp(type, "RSA") == 0) {
    key = fn(libctx, propq, type, va_arg(args, size_t));
  } else if (strcasecmp(type, "EC") == 0) {
    key = fn(libctx, propq, type, va_arg(args, char*));
  } else {
    key = fn(libctx, propq, type);
  }
  va_end(args);
  return key;
}

// Objects and stacks
GRPCMESH_CRYPTO(const char*, OBJ_nid2sn, (int n), (n))
GRPCMESH_CRYPTO(int, OPENSSL_sk_num, (const OPENSSL_STACK* st), (st))
GRPCMESH_CRYPTO(void*, OPENSSL_sk_value, (const OPENSSL_STACK* st, int i), (st, i))
GRPCMESH_CRYPTO(void, GENERAL_NAMES_free, (GENERAL_NAMES * a), (a))

// PEM
GRPCMESH_CRYPTO(EVP_PKEY*, PEM_read_bio_PrivateKey, (BIO * bp, EVP_PKEY** x, pem_password_cb* cb, void* u),
                (bp, x, cb, u))
GRPCMESH_CRYPTO(X509*, PEM_read_bio_X509, (BIO * bp, X509** x, pem_password_cb* cb, void* u), (bp, x, cb, u))
GRPCMESH_CRYPTO(int, PEM_write_bio_PrivateKey,
                (BIO * bp, const EVP_PKEY* x, const EVP_CIPHER* enc, const unsigned char* kstr, int klen,
                 pem_password_cb* cb, void* u),
                (bp, x, enc, kstr, klen, cb, u))
GRPCMESH_CRYPTO(int, PEM_write_bio_X509, (BIO * bp, const X509* x), (bp, x))

GRPCMESH_CRYPTO(int, RAND_bytes, (unsigned char* buf, int num), (buf, num))

// X.509 certificates
GRPCMESH_CRYPTO(X509_EXTENSION*, X509V3_EXT_conf_nid,
                (LHASH_OF(CONF_VALUE) * conf, X509V3_CTX* ctx, int ext_nid, const char* value),
                (conf, ctx, ext_nid, value))
GRPCMESH_CRYPTO(void, X509V3_set_ctx,
                (X509V3_CTX * ctx, X509* issuer, X509* subject, X509_REQ* req, X509_CRL* crl, int flags),
                (ctx, issuer, subject, req, crl, flags))
GRPCMESH_CRYPTO(void, X509_EXTENSION_free, (X509_EXTENSION * a), (a))
GRPCMESH_CRYPTO(int, X509_NAME_add_entry_by_txt,
                (X509_NAME * name, const char* field, int type, const unsigned char* bytes, int len, int loc,
                 int set),
                (name, field, type, bytes, len, loc, set))
GRPCMESH_CRYPTO(int, X509_NAME_print_ex, (BIO * out, const X509_NAME* nm, int indent, unsigned long flags),
                (out, nm, indent, flags))
GRPCMESH_CRYPTO(int, X509_add_ext, (X509 * x, X509_EXTENSION* ex, int loc), (x, ex, loc))
GRPCMESH_CRYPTO(int, X509_check_ca, (X509 * x), (x))
GRPCMESH_CRYPTO(int, X509_check_issued, (X509 * issuer, X509* subject), (issuer, subject))
GRPCMESH_CRYPTO(int, X509_cmp_current_time, (const ASN1_TIME* s), (s))
GRPCMESH_CRYPTO(int, X509_digest, (const X509* data, const EVP_MD* type, unsigned char* md, unsigned int* len),
                (data, type, md, len))
GRPCMESH_CRYPTO(void, X509_free, (X509 * a), (a))
GRPCMESH_CRYPTO(const ASN1_TIME*, X509_get0_notAfter, (const X509* x), (x))
GRPCMESH_CRYPTO(const ASN1_TIME*, X509_get0_notBefore, (const X509* x), (x))
GRPCMESH_CRYPTO(EVP_PKEY*, X509_get0_pubkey, (const X509* x), (x))
GRPCMESH_CRYPTO(void*, X509_get_ext_d2i, (const X509* x, int nid, int* crit, int* idx), (x, nid, crit, idx))
GRPCMESH_CRYPTO(X509_NAME*, X509_get_issuer_name, (const X509* a), (a))
GRPCMESH_CRYPTO(ASN1_INTEGER*, X509_get_serialNumber, (X509 * x), (x))
GRPCMESH_CRYPTO(X509_NAME*, X509_get_subject_name, (const X509* a), (a))
GRPCMESH_CRYPTO(ASN1_TIME*, X509_getm_notAfter, (const X509* x), (x))
GRPCMESH_CRYPTO(ASN1_TIME*, X509_getm_notBefore, (const X509* x), (x))
GRPCMESH_CRYPTO(X509*, X509_new, (void), ())
GRPCMESH_CRYPTO(int, X509_set_issuer_name, (X509 * x, const X509_NAME* name), (x, name))
GRPCMESH_CRYPTO(int, X509_set_pubkey, (X509 * x, EVP_PKEY* pkey), (x, pkey))
GRPCMESH_CRYPTO(int, X509_set_version, (X509 * x, long version), (x, version))
GRPCMESH_CRYPTO(int, X509_sign, (X509 * x, EVP_PKEY* pkey, const EVP_MD* md), (x, pkey, md))
GRPCMESH_CRYPTO(int, X509_verify, (X509 * a, EVP_PKEY* r), (a, r))
GRPCMESH_CRYPTO(const char*, X509_verify_cert_error_string, (long n), (n))

// Peer verification (the client core's and grpcurl's TLS connections)
GRPCMESH_CRYPTO(int, X509_STORE_add_cert, (X509_STORE * store, X509* x), (store, x))
GRPCMESH_CRYPTO(int, X509_VERIFY_PARAM_set1_host, (X509_VERIFY_PARAM * param, const char* name, size_t namelen),
                (param, name, namelen))
GRPCMESH_CRYPTO(int, X509_VERIFY_PARAM_set1_ip_asc, (X509_VERIFY_PARAM * param, const char* ipasc), (param, ipasc))

}  // extern "C"
