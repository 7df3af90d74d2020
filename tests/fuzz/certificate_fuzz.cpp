// libFuzzer target: certificate facts (core/tls: PEM blocks, the DER reader
// of read_matching_leaf, OpenSSL's inspect/key_matches/validate, RFC 6125
// name matching) and check's reading of a TLS Secret (core/check/certificate)
// on arbitrary bytes, used as the certificate and as the key at once (a
// seed is a certificate followed by its key). Where the reader without
// libcrypto answers, OpenSSL must agree with it.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "core/check/certificate.hpp"
#include "core/check/tree.hpp"
#include "core/kube/encoding.hpp"
#include "core/tls/certificate.hpp"
#include "core/tls/leaf_facts.hpp"
#include "core/util/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace tls = grpcmesh::tls;
  const std::string_view pem(reinterpret_cast<const char*>(data), size);
  const auto now = tls::Clock::from_time_t(1893456000);  // 2030-01-01

  auto quick = tls::read_matching_leaf(pem, pem);
  try {
    auto infos = tls::inspect(pem, "fuzz.crt");
    for (const auto& info : infos) {
      (void)tls::leaf_facts(info);
      (void)tls::format_time(info.not_after);
    }
    const bool matches = tls::key_matches(pem, pem, "fuzz.crt", "fuzz.key");
    if (quick && (!matches || quick->dns_names != tls::leaf_facts(infos.front()).dns_names ||
                  quick->not_after != infos.front().not_after)) {
      std::abort();  // the DER reader and OpenSSL disagree
    }
  } catch (const grpcmesh::Error&) {
    if (quick) {
      std::abort();  // the DER reader read a certificate and key OpenSSL refuses
    }
  }
  try {
    tls::Bundle bundle{std::string(pem), std::string(pem), std::string(pem)};
    (void)tls::validate(bundle, "grpc.example.com", now);
  } catch (const grpcmesh::Error&) {
  }

  // Name matching: the first line is the certificate's name, the rest the host.
  const size_t nl = pem.find('\n');
  if (nl != std::string_view::npos) {
    (void)tls::dns_name_covers(pem.substr(0, nl), pem.substr(nl + 1));
  }

  // As a Secret: base64 in data, plain in stringData, under both key names.
  const std::string b64 = grpcmesh::kube::base64_encode(pem);
  for (const auto& secret :
       {nlohmann::json{{"type", "kubernetes.io/tls"}, {"data", {{"tls.crt", b64}, {"tls.key", b64}, {"ca.crt", b64}}}},
        nlohmann::json{{"stringData", {{"cert", std::string(pem)}, {"key", std::string(pem)}}}},
        nlohmann::json{{"data", {{"tls.crt", std::string(pem)}, {"tls.key", b64}}}}}) {
    grpcmesh::check::Tree tree(secret);
    (void)grpcmesh::check::read_tls_secret(tree.root());
  }
  return 0;
}
