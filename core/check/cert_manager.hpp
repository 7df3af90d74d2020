#pragma once
// cert-manager's objects as the analyzers of a gateway server's Secret read
// them: which Certificates write a Secret, what their status and their
// newest CertificateRequest say, and the issuer they name.

#include <optional>
#include <string>
#include <vector>

#include "core/check/analyzer.hpp"

namespace grpcmesh::check {

// The Certificates whose spec.secretName is `secret`, in `ns` (every
// namespace when `ns` is empty), by namespace and name.
std::vector<const Resource*> certificates_writing(const Context& ctx, const std::string& ns, const std::string& secret);

// What cert-manager says about a Certificate.
struct CertificateStatus {
  bool ready = false;    // Ready=True
  bool failed = false;   // the last issuance failed (Issuing False/Failed, request Failed or Denied)
  std::string reason;    // cert-manager's reasons and messages, for a Certificate not Ready
};
CertificateStatus certificate_status(const Context& ctx, const Resource& certificate);

// The issuer a Certificate names.
struct IssuerLookup {
  std::string ref;                   // "Issuer ns/name" or "ClusterIssuer name"
  std::string describe;              // "issuer name -n ns" or "clusterissuer name", for kubectl describe
  std::string kind;                  // Issuer or ClusterIssuer
  std::string name;
  bool external = false;             // another group's issuer: not judged
  const Resource* issuer = nullptr;  // null when it does not exist
  std::vector<std::string> elsewhere;  // namespaces holding an Issuer of that name
  bool ready = false;
  std::string reason;                // why it is not Ready
};
IssuerLookup issuer_of(const Context& ctx, const Resource& certificate);

// "reason: message" of the condition `type`; its status in `status`.
std::optional<std::string> condition_text(Node object, std::string_view type, std::string* status = nullptr);

// Gateway server hosts as Certificates name them (no "ns/" prefix); "*" is dropped.
std::vector<std::string> plain_hosts(const std::vector<std::string>& hosts);

// The cert-manager kinds an analyzer reads when they are there.
inline const std::vector<Kind> kCertManagerKinds = {Kind::Certificate, Kind::CertificateRequest, Kind::Issuer,
                                                    Kind::ClusterIssuer};

}  // namespace grpcmesh::check
