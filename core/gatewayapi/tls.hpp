#pragma once
// `tls --api gateway-api`: the certificate Secret of a host's HTTPS listener.
// Gateway API reads certificateRefs from the Gateway's own namespace, or from
// another namespace whose ReferenceGrant admits Gateways of the Gateway's
// namespace; tls writes the Secret there (and the ReferenceGrant when it is
// elsewhere) and points the listener at it. (Istio's own Gateway instead
// reads credentialName from the gateway workload's namespace.)

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "core/gatewayapi/gateway.hpp"
#include "core/mesh/change_set.hpp"
#include "core/mesh/tls_issuer.hpp"
#include "core/tls/certificate.hpp"

namespace grpcmesh::gatewayapi {

struct TlsOptions {
  std::string host;
  tls::Bundle bundle;            // validated before anything is written
  std::string secret_name;       // --secret-name; "" = as the listener names it, else derived from the host
  std::string secret_namespace;  // --secret-namespace; "" = as the listener names it, else the Gateway's
  std::string gateway;           // --gateway NS/NAME: the Gateway holding the host's HTTPS listener
  std::string gateway_namespace;  // --dry-run=client: the host's own Gateway's namespace
  bool remove = false;
  tls::Clock::time_point now = tls::Clock::now();
};

struct TlsFacts {
  bool known = false;                      // false with --dry-run=client
  std::string gateway_namespace;
  std::string gateway_name;
  std::optional<nlohmann::json> gateway;   // the Gateway as it is now
  std::optional<Listener> listener;        // the host's HTTPS listener
  std::optional<nlohmann::json> secret;    // the Secret as it is now
  std::optional<nlohmann::json> reference_grant;  // ours for the Secret, as it is now
};

// --dry-run=client: the Gateway from --gateway or --gateway-namespace.
TlsFacts tls_facts_from_flags(const TlsOptions& options);

// Where the Secret goes: {namespace, name}.
std::pair<std::string, std::string> tls_secret_ref(const TlsOptions& options, const TlsFacts& facts);

// The ReferenceGrant's name in the Secret's namespace.
std::string secret_reference_grant_name(const std::string& secret, const std::string& gateway_namespace);

mesh::ChangeSet plan_tls(const TlsOptions& options, const TlsFacts& facts);

// What makes the host's HTTPS listener read Secret `ns`/`name`, added to
// `cs`: the ReferenceGrant when the Secret is not in the Gateway's
// namespace, and the listener re-pointed when it names another Secret
// (refused for a listener init did not make).
// tls --issuer: a cert-manager Certificate whose Secret lands where the
// listener reads it (tls_secret_ref), and the listener bound to it as for a
// certificate from files. `issuer_facts` gives the cert-manager facts their
// namespace (the Secret's) and the Secret; the cluster's Certificates and
// issuer are read into them by mesh::read_cert_manager_facts.
mesh::IssuerFacts issuer_facts(const TlsOptions& options, const TlsFacts& facts);
mesh::ChangeSet plan_tls_issuer(const TlsOptions& options, const TlsFacts& facts, const mesh::IssuerOptions& issuer,
                                const mesh::IssuerFacts& cert_manager);

void bind_listener(const TlsOptions& options, const TlsFacts& facts, const std::string& ns, const std::string& name,
                   mesh::ChangeSet& cs);

}  // namespace grpcmesh::gatewayapi
