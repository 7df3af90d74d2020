#include "core/check/certificate.hpp"

#include <fmt/format.h>

#include <set>

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

// The Secret's PEM texts to parse, or (with `credential.problem` set) why
// there is nothing to parse; the names of the entries they came from.
struct Entries {
  TlsCredential credential;
  std::string cert_pem, key_pem;
  std::string cert_name, key_name;
};

// The entries Istio reads, in its order (pilot/pkg/credentials/kube/secrets.go
// ExtractCertInfo): cert and key when both have a value, else tls.crt and
// tls.key; a pair present but empty, or neither pair, is an error naming
// what the Secret has.
Entries entries_of(Node secret) {
  Entries out;
  bool bad_base64 = false;
  for (const char* key : {"ca.crt", "cacert"}) {
    for (const char* section : {"data", "stringData"}) {
      Node value = secret[section][key];
      out.credential.has_ca = out.credential.has_ca || (value.is_string() && !value.str().empty());
    }
  }
  struct Pair {
    const char* cert;
    const char* key;
  };
  bool present_but_empty = false;
  for (Pair pair : {Pair{"cert", "key"}, Pair{"tls.crt", "tls.key"}}) {
    auto cert_pem = secret_value(secret, pair.cert, bad_base64);
    auto key_pem = secret_value(secret, pair.key, bad_base64);
    if (bad_base64) {
      out.credential.problem = "a data value is not valid base64";
      return out;
    }
    if (cert_pem && key_pem && !cert_pem->empty() && !key_pem->empty()) {
      out.cert_pem = std::move(*cert_pem);
      out.key_pem = std::move(*key_pem);
      out.cert_name = pair.cert;
      out.key_name = pair.key;
      out.credential.problem.clear();
      return out;
    }
    if (cert_pem && key_pem && !present_but_empty) {
      present_but_empty = true;
      out.credential.problem = fmt::format("its entries {} and {} are empty", pair.cert, pair.key);
    }
  }
  if (!present_but_empty) {
    std::set<std::string> names;
    for (const char* section : {"data", "stringData"}) {
      for (const Member& m : secret[section].items()) {
        names.emplace(m.key);
      }
    }
    out.credential.problem =
        names.empty() ? "it has no entries; Istio reads tls.crt and tls.key (or cert and key)"
                      : fmt::format("it has no tls.crt and tls.key (or cert and key) entries, only {}",
                                    fmt::join(names, ", "));
  }
  return out;
}

}  // namespace

std::optional<TlsCredential> read_tls_secret_quickly(Node secret) {
  Entries e = entries_of(secret);
  if (!e.credential.problem.empty()) {
    return std::move(e.credential);
  }
  auto leaf = tls::read_matching_leaf(e.cert_pem, e.key_pem);
  if (!leaf) {
    return std::nullopt;
  }
  e.credential.certificate = std::move(*leaf);
  e.credential.key_matches = true;
  return std::move(e.credential);
}

TlsCredential read_tls_secret(Node secret) {
  if (auto quick = read_tls_secret_quickly(secret)) {
    return std::move(*quick);
  }
  return read_tls_secret_with_openssl(secret);
}

TlsCredential read_tls_secret_with_openssl(Node secret) {
  Entries e = entries_of(secret);
  TlsCredential& out = e.credential;
  if (!out.problem.empty()) {
    return out;
  }
  std::vector<tls::CertificateInfo> chain;
  try {
    chain = tls::inspect(e.cert_pem, e.cert_name);
  } catch (const Error&) {
    out.problem = e.cert_name + " is not a PEM certificate";
    return out;
  }
  try {
    out.key_matches = tls::key_matches(e.cert_pem, e.key_pem, e.cert_name, e.key_name);
  } catch (const Error&) {
    out.problem = e.key_name + " is not a PEM private key";
    return out;
  }
  out.certificate = tls::leaf_facts(chain.front());
  return out;
}

}  // namespace grpcmesh::check
