#pragma once
// `tls --issuer`: a cert-manager Certificate for a host's HTTPS gateway
// server, written where the gateway reads it (the gateway pods' namespace,
// secretName = the server's credentialName), and what its status says.

#include <chrono>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/kube/client.hpp"
#include "core/mesh/change_set.hpp"
#include "core/mesh/cluster_state.hpp"
#include "core/mesh/host_config.hpp"

namespace grpcmesh::mesh {

struct IssuerOptions {
  std::string host;
  std::string issuer;                  // --issuer
  std::string issuer_kind = "Issuer";  // --issuer-kind: Issuer or ClusterIssuer
  std::string key_algorithm = "ECDSA"; // --key-algorithm: RSA, ECDSA or Ed25519
  int key_size = 0;                    // --key-size; 0 = 256 for ECDSA, 2048 for RSA
  std::string duration = "2160h";      // --duration (cert-manager's own default, 90 days)
  std::string renew_before;            // --renew-before; "" = cert-manager's default (a third of duration)
  std::string secret_name;             // --secret-name; "" = the server's credentialName, else derived
  std::string gateway_namespace;       // --gateway-namespace
  bool remove = false;
};

// Throws UsageError for a bad --issuer-kind, --key-algorithm, --key-size,
// --duration or --renew-before (checked before any cluster access).
void validate_issuer_options(IssuerOptions& options);

struct IssuerFacts {
  std::string workload_namespace;          // where the gateway reads credentialName from
  std::optional<ServerRef> server;         // the host's HTTPS server (unknown with --dry-run=client)
  std::optional<nlohmann::json> gateway;   // the Gateway holding it
  bool checked = false;                    // the cert-manager objects below were read
  std::optional<nlohmann::json> issuer;    // the Issuer (in workload_namespace) or ClusterIssuer
  std::vector<std::string> issuer_elsewhere;   // namespaces holding an Issuer of that name
  std::optional<nlohmann::json> certificate;   // the Certificate named like the Secret, as it is now
  std::vector<nlohmann::json> writers;     // other Certificates there whose secretName is the Secret
  std::optional<nlohmann::json> secret;    // the Secret as it is now
  // Who reads the Secret, for messages ("the gateway pods read"; with
  // --api gateway-api, the Gateway's HTTPS listener).
  std::string reader = "the gateway pods read";
};

IssuerFacts read_issuer_facts(ClusterState& state, const IssuerOptions& options);
IssuerFacts issuer_facts_from_flags(const IssuerOptions& options);

// The cert-manager objects of Secret `name` in f.workload_namespace: the
// Certificate of that name, other Certificates writing the Secret, and (but
// for --remove) the issuer. Nothing is read when the cluster or the files do
// not know Certificates.
void read_cert_manager_facts(ClusterState& state, const IssuerOptions& options, const std::string& name,
                             IssuerFacts& facts);

// The Secret (and Certificate) name: --secret-name, else the server's
// credentialName, else derived from the host.
std::string issuer_secret_name(const IssuerOptions& options, const IssuerFacts& facts);

// The Certificate's apply configuration.
nlohmann::json certificate_manifest(const IssuerOptions& options, const std::string& name,
                                    const std::string& namespace_name);

// Refuses (grpcmesh::Error, one line) when the issuer is missing or is a
// namespaced Issuer in another namespace, or when a Certificate not created
// by kubectl-grpcmesh already writes the Secret; otherwise the Certificate,
// and the Gateway rebound to the Secret when it named another one.
ChangeSet plan_tls_issuer(const IssuerOptions& options, const IssuerFacts& facts);

// The part of plan_tls_issuer that does not depend on which Gateway reads
// the Secret: the refusals and the Certificate for Secret
// f.workload_namespace/`name` (or its removal), added to `cs`.
void plan_certificate(const IssuerOptions& options, const IssuerFacts& facts, const std::string& name, ChangeSet& cs);

// A Certificate's progress as its status and its newest CertificateRequest
// tell it.
struct CertificateProgress {
  bool ready = false;    // Ready=True for the current generation and spec
  bool failed = false;   // issuance failed; cert-manager retries only after a back-off
  std::string summary;   // e.g. "Ready", "Issuing: ...", with cert-manager's reason and message
};
CertificateProgress certificate_progress(const nlohmann::json& certificate,
                                         const std::vector<nlohmann::json>& requests);

// Polls Certificate NS/NAME and its CertificateRequests every `interval`
// until it is Ready, has failed, or `timeout` passed; `on_status` gets each
// summary (for a progress line). Returns the last progress.
CertificateProgress wait_for_certificate(kube::Client& client, const std::string& namespace_name,
                                         const std::string& name, std::chrono::milliseconds timeout,
                                         const std::function<void(const std::string&)>& on_status,
                                         std::chrono::milliseconds interval = std::chrono::milliseconds(500));

// The condition of `type` in an object's status.conditions, if any.
std::optional<nlohmann::json> condition(const nlohmann::json& object, const std::string& type);

}  // namespace grpcmesh::mesh
