#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "core/kube/client.hpp"
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
};

TlsFacts read_tls_facts(kube::Client& client, const TlsOptions& options);
TlsFacts tls_facts_from_flags(const TlsOptions& options);

// The Secret name: --secret-name, else the server's credentialName, else derived.
std::string tls_secret_name(const TlsOptions& options, const TlsFacts& facts);

ChangeSet plan_tls(const TlsOptions& options, const TlsFacts& facts);

}  // namespace grpcmesh::mesh
