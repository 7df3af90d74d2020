#include "core/check/tls_servers.hpp"

#include "core/check/mesh.hpp"

namespace grpcmesh::check {

std::vector<CredentialUse> credential_uses(const Resource& gateway) {
  std::vector<CredentialUse> out;
  for (Node server : gateway.spec()["servers"]) {
    const auto& tls = field(server, "tls");
    std::string credential = string_field(tls, "credentialName");
    std::string mode = string_field(tls, "mode");
    if (credential.empty() || credential.find("://") != std::string::npos) {
      continue;  // file-mounted certificates, or SDS / other providers
    }
    if (mode != "SIMPLE" && mode != "MUTUAL" && mode != "OPTIONAL_MUTUAL") {
      continue;
    }
    CredentialUse use{server, credential, mode, mesh::server_hosts(server), 0};
    const auto& n = field(field(server, "port"), "number");
    use.port = n.is_number_integer() ? n.get<int>() : 0;
    out.push_back(std::move(use));
  }
  return out;
}

void for_each_credential_lookup(
    const Context& ctx,
    const std::function<void(const Resource& gateway, const std::string& ns, const CredentialUse& use)>& visit) {
  for (const Resource& gw : ctx.list(Kind::Gateway)) {
    auto uses = credential_uses(gw);
    if (uses.empty()) {
      continue;
    }
    for (const std::string& ns : mesh::workload_namespaces(ctx, gw)) {
      for (const CredentialUse& use : uses) {
        visit(gw, ns, use);
      }
    }
  }
}

}  // namespace grpcmesh::check
