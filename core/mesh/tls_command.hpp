#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "core/mesh/cluster_state.hpp"
#include "core/mesh/change_set.hpp"
#include "core/mesh/host_config.hpp"
#include "core/tls/certificate.hpp"

namespace grpcmesh::mesh {

// `tls`: the certificate Secret for a host's HTTPS gateway server.
struct TlsOptions {
  std::string host;
  tls::Bundle bundle;              // validated before anything is written
  std::string secret_name;         // --secret-name; "" = as bound, else derived from the host
  std::string gateway_namespace;   // --dry-run=client: the gateway pods' namespace
  bool remove = false;
  tls::Clock::time_point now = tls::Clock::now();
};

struct TlsFacts {
  std::string workload_namespace;        // where the gateway reads credentialName from
  std::optional<ServerRef> server;       // the host's HTTPS server (unknown with --dry-run=client)
  std::optional<nlohmann::json> gateway;  // the Gateway holding it, as it is now
  std::optional<nlohmann::json> secret;  // the Secret as it is now (with data, for rotation)
  // When a MUTUAL server is re-pointed to another Secret, its client CA goes
  // along: where the CA is now and who else reads it.
  std::optional<nlohmann::json> old_ca_secret;  // "<current credentialName>-cacert"
  std::optional<nlohmann::json> old_secret;     // the current credentialName Secret (its ca.crt/cacert)
  // "<Secret name>-cacert" as it is now, read when the CA moves or --ca is
  // given: Istio reads the client CA from it before ca.crt in the Secret.
  std::optional<nlohmann::json> new_ca_secret;
  std::vector<std::string> old_ca_readers;      // other MUTUAL servers on the current credentialName ("ns/gateway")
};

TlsFacts read_tls_facts(ClusterState& state, const TlsOptions& options);
TlsFacts tls_facts_from_flags(const TlsOptions& options);

// Whether a server's tls.mode checks client certificates (MUTUAL,
// OPTIONAL_MUTUAL), so that Istio reads a client CA for it.
bool is_mutual(std::string_view mode);

// The Secret name: --secret-name, else the server's credentialName, else derived.
std::string tls_secret_name(const TlsOptions& options, const TlsFacts& facts);

// Re-pointing a MUTUAL (or OPTIONAL_MUTUAL) server to another Secret keeps
// its client CA: the CA (--ca, else the one Istio reads now from
// "<old>-cacert" or the old Secret's ca.crt/cacert) is written to
// "<new>-cacert" unless a Secret of that name not created by us is there,
// and the old "<old>-cacert" is removed when we created it and no other
// MUTUAL server reads it. With no CA to carry it refuses, naming --ca.
ChangeSet plan_tls(const TlsOptions& options, const TlsFacts& facts);

// Our Gateway's apply configuration with server `server`'s credentialName
// set to `credential` (tls and tls --issuer bind the same way).
nlohmann::json rebind_credential(const nlohmann::json& gateway, size_t server, const std::string& credential);

}  // namespace grpcmesh::mesh
