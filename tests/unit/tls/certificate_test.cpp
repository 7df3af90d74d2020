#include "core/tls/certificate.hpp"

#include <doctest/doctest.h>
#include <openssl/rsa.h>
#include <openssl/x509v3.h>

#include <string>

#include "core/tls/openssl_util.hpp"
#include "core/tls/self_signed.hpp"
#include "core/util/error.hpp"

using namespace grpcmesh::tls;
using namespace std::chrono_literals;

namespace {

const Clock::time_point kNow = Clock::from_time_t(1'790'000'000);  // 2026-09-21

std::string error_of(const Bundle& b, std::string_view host, Clock::time_point now = kNow) {
  try {
    validate(b, host, now);
  } catch (const grpcmesh::Error& e) {
    return e.what();
  }
  return "";
}

Bundle bundle_of(const SelfSigned& s) { return Bundle{s.cert_pem, s.key_pem, "", "cert.pem", "key.pem", "ca.pem"}; }

// A self-signed leaf with an arbitrary key and SAN, for key-type cases.
SelfSigned self_issued(ossl::PkeyPtr key, const std::string& san) {
  ossl::X509Ptr cert(X509_new());
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 7);
  ASN1_TIME_set(X509_getm_notBefore(cert.get()), Clock::to_time_t(kNow - 24h));
  ASN1_TIME_set(X509_getm_notAfter(cert.get()), Clock::to_time_t(kNow + 24h * 200));
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>("test"), -1, -1, 0);
  X509_set_issuer_name(cert.get(), name);
  X509_set_pubkey(cert.get(), key.get());
  if (!san.empty()) {
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, cert.get(), cert.get(), nullptr, nullptr, 0);
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, NID_subject_alt_name, san.c_str());
    X509_add_ext(cert.get(), ext, -1);
    X509_EXTENSION_free(ext);
  }
  const bool digestless = EVP_PKEY_get_base_id(key.get()) == EVP_PKEY_ED25519;
  REQUIRE(X509_sign(cert.get(), key.get(), digestless ? nullptr : EVP_sha256()) > 0);
  return SelfSigned{"", "", ossl::to_pem(cert.get()), ossl::to_pem(key.get())};
}

}  // namespace

TEST_CASE("tls: a self-signed certificate validates for its host and describes itself") {
  SelfSigned s = make_self_signed("grpc.example.com", kNow);
  Validation v = validate(bundle_of(s), "grpc.example.com", kNow);
  REQUIRE(v.chain.size() == 1);
  CHECK(v.warnings.empty());
  CHECK(v.chain[0].dns_names == std::vector<std::string>{"grpc.example.com"});
  CHECK(v.chain[0].subject == "CN=grpc.example.com,O=kubectl-grpcmesh");
  CHECK(v.chain[0].issuer == "CN=grpc.example.com CA,O=kubectl-grpcmesh");
  CHECK(v.chain[0].public_key == "ECDSA P-256");
  CHECK_FALSE(v.chain[0].is_ca);
  CHECK(v.chain[0].not_after - kNow == 24h * 365);
  CHECK(v.chain[0].sha256_fingerprint.size() == 32 * 3 - 1);
  auto ca = inspect(s.ca_cert_pem, "ca.crt");
  REQUIRE(ca.size() == 1);
  CHECK(ca[0].is_ca);
  CHECK(ca[0].public_key == "ECDSA P-256");
  CHECK(s.ca_key_pem.find("BEGIN PRIVATE KEY") != std::string::npos);
}

TEST_CASE("tls: fingerprints are SHA-256 over the DER certificate and differ between certificates") {
  SelfSigned a = make_self_signed("grpc.example.com", kNow);
  SelfSigned b = make_self_signed("grpc.example.com", kNow);
  CHECK(inspect(a.cert_pem, "a")[0].sha256_fingerprint != inspect(b.cert_pem, "b")[0].sha256_fingerprint);
  CHECK(inspect(a.cert_pem, "a")[0].sha256_fingerprint == inspect(a.cert_pem, "again")[0].sha256_fingerprint);
}

TEST_CASE("tls: leaf followed by its issuer is a valid chain, the reverse order is rejected") {
  SelfSigned s = make_self_signed("grpc.example.com", kNow);
  Bundle good = bundle_of(s);
  good.cert_pem = s.cert_pem + s.ca_cert_pem;
  CHECK(validate(good, "grpc.example.com", kNow).chain.size() == 2);

  Bundle reversed = bundle_of(s);
  reversed.cert_pem = s.ca_cert_pem + s.cert_pem;
  // the key belongs to the leaf, which is now second: the key check fires first
  CHECK(error_of(reversed, "grpc.example.com").find("does not match the certificate") != std::string::npos);

  SelfSigned other = make_self_signed("grpc.example.com", kNow);
  Bundle wrong_issuer = bundle_of(s);
  wrong_issuer.cert_pem = s.cert_pem + other.ca_cert_pem;
  CHECK(error_of(wrong_issuer, "grpc.example.com") ==
        "cert.pem: certificate 2 (CN=grpc.example.com CA,O=kubectl-grpcmesh) did not issue certificate 1 "
        "(CN=grpc.example.com,O=kubectl-grpcmesh) (issuer CN=grpc.example.com CA,O=kubectl-grpcmesh); put the "
        "server certificate first, then each issuer in order");
}

TEST_CASE("tls: a key that does not match the certificate is one clear error") {
  SelfSigned a = make_self_signed("grpc.example.com", kNow);
  SelfSigned b = make_self_signed("grpc.example.com", kNow);
  Bundle mixed = bundle_of(a);
  mixed.key_pem = b.key_pem;
  CHECK(error_of(mixed, "grpc.example.com") ==
        "key.pem: the private key does not match the certificate in cert.pem (CN=grpc.example.com,O=kubectl-grpcmesh); "
        "pass the key the certificate was issued for");
}

TEST_CASE("tls: a certificate for another host is rejected, naming both") {
  SelfSigned s = make_self_signed("api.example.com", kNow);
  CHECK(error_of(bundle_of(s), "grpc.example.com") ==
        "cert.pem: the certificate is for api.example.com, not grpc.example.com; issue a certificate whose "
        "subjectAltName covers grpc.example.com");
}

TEST_CASE("tls: a certificate without DNS subjectAltName is rejected even when the CN matches") {
  SelfSigned s = self_issued(ossl::PkeyPtr(EVP_EC_gen("P-256")), "");
  CHECK(error_of(bundle_of(s), "test").find("has no DNS subjectAltName") != std::string::npos);
}

TEST_CASE("tls: wildcard names cover exactly one left-most label") {
  CHECK(dns_name_covers("*.example.com", "grpc.example.com"));
  CHECK(dns_name_covers("*.Example.COM", "GRPC.example.com"));
  CHECK(dns_name_covers("grpc.example.com", "grpc.example.com"));
  CHECK_FALSE(dns_name_covers("*.example.com", "example.com"));
  CHECK_FALSE(dns_name_covers("*.example.com", "a.b.example.com"));
  CHECK_FALSE(dns_name_covers("*.com", "example.com"));
  CHECK_FALSE(dns_name_covers("g*.example.com", "grpc.example.com"));
  CHECK_FALSE(dns_name_covers("grpc.example.com", "*.example.com"));
  CHECK(dns_name_covers("*.example.com", "*.example.com"));

  SelfSigned s = self_issued(ossl::PkeyPtr(EVP_EC_gen("P-256")), "DNS:*.example.com");
  CHECK(validate(bundle_of(s), "grpc.example.com", kNow).chain.size() == 1);
  CHECK(error_of(bundle_of(s), "a.grpc.example.com").find("is for *.example.com, not a.grpc.example.com") !=
        std::string::npos);
}

TEST_CASE("tls: expired and not-yet-valid certificates are errors, under 30 days is a warning") {
  SelfSigned expired = make_self_signed("grpc.example.com", kNow - 24h * 400);
  CHECK(error_of(bundle_of(expired), "grpc.example.com").find("expired on 2026-08-17 14:13:20 UTC") != std::string::npos);
  CHECK(error_of(bundle_of(expired), "grpc.example.com").find("; renew the certificate") != std::string::npos);

  SelfSigned future = make_self_signed("grpc.example.com", kNow + 24h * 3);
  CHECK(error_of(bundle_of(future), "grpc.example.com").find("is not valid until 2026-09-24") != std::string::npos);

  SelfSigned soon = make_self_signed("grpc.example.com", kNow, 24h * 10);
  Validation v = validate(bundle_of(soon), "grpc.example.com", kNow);
  REQUIRE(v.warnings.size() == 1);
  CHECK(v.warnings[0].find("expires in 10 days") != std::string::npos);
}

TEST_CASE("tls: key types the gateway cannot serve are rejected") {
  SelfSigned rsa_small = self_issued(ossl::PkeyPtr(EVP_RSA_gen(1024)), "DNS:test");
  CHECK(error_of(bundle_of(rsa_small), "test") ==
        "key.pem: RSA 1024 key is too small; use an RSA key of at least 2048 bits or ECDSA P-256");
  SelfSigned rsa = self_issued(ossl::PkeyPtr(EVP_RSA_gen(2048)), "DNS:test");
  CHECK(validate(bundle_of(rsa), "test", kNow).chain[0].public_key == "RSA 2048");
  SelfSigned ed = self_issued(ossl::PkeyPtr(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519")), "DNS:test");
  CHECK(error_of(bundle_of(ed), "test").find("Ed25519 keys are not served") != std::string::npos);
  SelfSigned k1 = self_issued(ossl::PkeyPtr(EVP_EC_gen("secp256k1")), "DNS:test");
  CHECK(error_of(bundle_of(k1), "test").find("ECDSA secp256k1 is not a curve the gateway serves") != std::string::npos);
}

TEST_CASE("tls: malformed inputs name the file") {
  SelfSigned s = make_self_signed("grpc.example.com", kNow);
  Bundle b = bundle_of(s);
  b.cert_pem = "hello";
  CHECK(error_of(b, "grpc.example.com").rfind("cert.pem: no PEM certificate found", 0) == 0);
  b = bundle_of(s);
  b.cert_pem = s.key_pem;
  CHECK(error_of(b, "grpc.example.com").rfind("cert.pem: holds a private key, not a certificate", 0) == 0);
  b = bundle_of(s);
  b.key_pem = s.cert_pem;
  CHECK(error_of(b, "grpc.example.com").rfind("key.pem: no PEM private key found", 0) == 0);
  b = bundle_of(s);
  b.cert_pem = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
  CHECK(error_of(b, "grpc.example.com").rfind("cert.pem: certificate 1 is not valid PEM", 0) == 0);
}

TEST_CASE("tls: the client CA bundle must hold CA certificates") {
  SelfSigned s = make_self_signed("grpc.example.com", kNow);
  Bundle b = bundle_of(s);
  b.ca_pem = s.ca_cert_pem;
  CHECK(validate(b, "grpc.example.com", kNow).warnings.empty());
  b.ca_pem = s.cert_pem;
  CHECK(error_of(b, "grpc.example.com").rfind("ca.pem: certificate 1 (CN=grpc.example.com,O=kubectl-grpcmesh) is not a CA", 0) == 0);
}

TEST_CASE("key_matches: the key of the leaf, another key, and input that is not PEM") {
  SelfSigned a = make_self_signed("grpc.example.com", kNow);
  SelfSigned b = make_self_signed("grpc.example.com", kNow);
  CHECK(key_matches(a.cert_pem, a.key_pem, "tls.crt", "tls.key"));
  CHECK_FALSE(key_matches(a.cert_pem, b.key_pem, "tls.crt", "tls.key"));
  CHECK_THROWS_WITH_AS(key_matches(a.cert_pem, "not a key", "tls.crt", "tls.key"),
                       doctest::Contains("tls.key: no PEM private key found"), grpcmesh::Error);
  CHECK_THROWS_WITH_AS(key_matches("not a cert", a.key_pem, "tls.crt", "tls.key"),
                       doctest::Contains("tls.crt: no PEM certificate found"), grpcmesh::Error);
}
