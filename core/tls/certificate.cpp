#include "core/tls/certificate.hpp"

#include <fmt/format.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <cctype>
#include <ctime>

#include "core/tls/openssl_util.hpp"
#include "core/util/error.hpp"

namespace grpcmesh::tls {
namespace {

constexpr auto kWarnBefore = std::chrono::hours(24 * 30);

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

CertificateInfo describe(X509* cert) {
  CertificateInfo info;
  info.subject = ossl::name_to_string(X509_get_subject_name(cert));
  info.issuer = ossl::name_to_string(X509_get_issuer_name(cert));
  info.dns_names = ossl::dns_names(cert);
  info.not_before = ossl::to_time_point(X509_get0_notBefore(cert));
  info.not_after = ossl::to_time_point(X509_get0_notAfter(cert));
  info.sha256_fingerprint = ossl::sha256_fingerprint(cert);
  if (const EVP_PKEY* key = X509_get0_pubkey(cert)) {
    info.public_key = ossl::describe_key(key);
  }
  info.is_ca = X509_check_ca(cert) != 0;
  return info;
}

std::string ordinal_subject(size_t index, const CertificateInfo& info) {
  return fmt::format("certificate {} ({})", index + 1, info.subject.empty() ? "no subject" : info.subject);
}

// Envoy serves RSA keys of at least 2048 bits and ECDSA keys on the NIST
// curves; anything else fails at load time on the gateway, long after apply.
void check_key_type(const EVP_PKEY* key, const std::string& source) {
  const std::string what = ossl::describe_key(key);
  switch (EVP_PKEY_get_base_id(key)) {
    case EVP_PKEY_RSA:
      if (EVP_PKEY_get_bits(key) < 2048) {
        throw Error(fmt::format("{}: {} key is too small; use an RSA key of at least 2048 bits or ECDSA P-256",
                                source, what));
      }
      return;
    case EVP_PKEY_EC:
      if (what == "ECDSA P-256" || what == "ECDSA P-384" || what == "ECDSA P-521") {
        return;
      }
      throw Error(fmt::format("{}: {} is not a curve the gateway serves; use ECDSA P-256, P-384 or P-521, or RSA",
                              source, what));
    default:
      throw Error(fmt::format("{}: {} keys are not served by the Envoy gateway; use an ECDSA P-256 or RSA (2048 "
                              "bits or more) key", source, what));
  }
}

void check_validity(const CertificateInfo& info, size_t index, const std::string& source, Clock::time_point now,
                    std::vector<std::string>& warnings) {
  if (now < info.not_before) {
    throw Error(fmt::format("{}: {} is not valid until {}; check the clock or wait until then", source,
                            ordinal_subject(index, info), format_time(info.not_before)));
  }
  if (now > info.not_after) {
    throw Error(fmt::format("{}: {} expired on {}; renew the certificate", source, ordinal_subject(index, info),
                            format_time(info.not_after)));
  }
  if (info.not_after - now < kWarnBefore) {
    const auto days = std::chrono::duration_cast<std::chrono::hours>(info.not_after - now).count() / 24;
    warnings.push_back(fmt::format("{}: {} expires in {} day{} ({}); renew it soon", source,
                                   ordinal_subject(index, info), days, days == 1 ? "" : "s",
                                   format_time(info.not_after)));
  }
}

bool is_key_of(X509* cert, const EVP_PKEY* key) { return EVP_PKEY_eq(X509_get0_pubkey(cert), key) == 1; }

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) {
    out += (out.empty() ? "" : ", ") + s;
  }
  return out;
}

}  // namespace

std::string format_time(Clock::time_point t) {
  std::time_t tt = Clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S UTC", &tm);
  return buf;
}

bool dns_name_covers(std::string_view pattern_in, std::string_view host_in) {
  const std::string pattern = lower(pattern_in);
  const std::string host = lower(host_in);
  if (pattern.empty() || host.empty()) {
    return false;
  }
  if (pattern == host) {
    return true;
  }
  if (host.front() == '*') {
    return false;  // a wildcard host needs the identical wildcard name
  }
  if (pattern.size() < 3 || pattern.compare(0, 2, "*.") != 0) {
    return false;
  }
  const std::string_view suffix = std::string_view(pattern).substr(1);  // ".example.com"
  if (host.size() <= suffix.size() || host.compare(host.size() - suffix.size(), suffix.size(), suffix) != 0) {
    return false;
  }
  const std::string_view label = std::string_view(host).substr(0, host.size() - suffix.size());
  // The wildcard is one whole label, and never directly under a public suffix
  // such as "*.com" (at least two labels after it).
  return label.find('.') == std::string_view::npos && std::count(suffix.begin(), suffix.end(), '.') >= 2;
}

std::vector<CertificateInfo> inspect(std::string_view pem, const std::string& source) {
  std::vector<CertificateInfo> out;
  for (auto& cert : ossl::read_certificates(pem, source)) {
    out.push_back(describe(cert.get()));
  }
  return out;
}

bool key_matches(std::string_view cert_pem, std::string_view key_pem, const std::string& cert_source,
                 const std::string& key_source) {
  auto certs = ossl::read_certificates(cert_pem, cert_source);
  auto key = ossl::read_private_key(key_pem, key_source);
  return is_key_of(certs.front().get(), key.get());
}

Validation validate(const Bundle& bundle, std::string_view host, Clock::time_point now) {
  Validation result;
  auto certs = ossl::read_certificates(bundle.cert_pem, bundle.cert_source);
  auto key = ossl::read_private_key(bundle.key_pem, bundle.key_source);
  for (auto& c : certs) {
    result.chain.push_back(describe(c.get()));
  }
  const CertificateInfo& leaf = result.chain.front();

  if (!is_key_of(certs.front().get(), key.get())) {
    throw Error(fmt::format("{}: the private key does not match the certificate in {} ({}); pass the key the "
                            "certificate was issued for", bundle.key_source, bundle.cert_source, leaf.subject));
  }
  check_key_type(key.get(), bundle.key_source);

  for (size_t i = 0; i + 1 < certs.size(); ++i) {
    X509* child = certs[i].get();
    X509* parent = certs[i + 1].get();
    const bool issued = X509_check_issued(parent, child) == X509_V_OK &&
                        X509_verify(child, X509_get0_pubkey(parent)) == 1;
    if (!issued) {
      throw Error(fmt::format("{}: {} did not issue {} (issuer {}); put the server certificate first, then each "
                              "issuer in order", bundle.cert_source, ordinal_subject(i + 1, result.chain[i + 1]),
                              ordinal_subject(i, result.chain[i]), result.chain[i].issuer));
    }
  }

  if (leaf.dns_names.empty()) {
    throw Error(fmt::format("{}: the certificate ({}) has no DNS subjectAltName, and gRPC clients ignore the "
                            "Common Name; issue a certificate with subjectAltName DNS:{}", bundle.cert_source,
                            leaf.subject, host));
  }
  const bool covered = std::any_of(leaf.dns_names.begin(), leaf.dns_names.end(),
                                   [&](const std::string& n) { return dns_name_covers(n, host); });
  if (!covered) {
    throw Error(fmt::format("{}: the certificate is for {}, not {}; issue a certificate whose subjectAltName "
                            "covers {}", bundle.cert_source, join(leaf.dns_names), host, host));
  }

  for (size_t i = 0; i < result.chain.size(); ++i) {
    check_validity(result.chain[i], i, bundle.cert_source, now, result.warnings);
  }

  if (!bundle.ca_pem.empty()) {
    auto cas = ossl::read_certificates(bundle.ca_pem, bundle.ca_source);
    for (size_t i = 0; i < cas.size(); ++i) {
      CertificateInfo info = describe(cas[i].get());
      if (!info.is_ca) {
        throw Error(fmt::format("{}: {} is not a CA certificate; pass the CA that issues client certificates",
                                bundle.ca_source, ordinal_subject(i, info)));
      }
      check_validity(info, i, bundle.ca_source, now, result.warnings);
    }
  }
  return result;
}

}  // namespace grpcmesh::tls
