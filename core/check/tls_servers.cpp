#include "core/check/tls_servers.hpp"

#include "core/check/mesh.hpp"
#include "core/check/messages.hpp"
#include "core/tls/certificate.hpp"

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

void report_certificate_facts(Context& ctx, const Resource& gateway, const std::string& secret,
                              const tls::LeafFacts& cert, bool key_matches, const std::vector<std::string>& hosts) {
  constexpr auto kSoon = std::chrono::hours(24 * 30);
  const std::string first = hosts.empty() ? std::string() : hosts[0];
  const auto now = ctx.now();
  if (cert.not_after <= now) {
    ctx.report(gateway, msg::CertificateExpired(secret, tls::format_time(cert.not_after)).for_host(first));
  } else if (cert.not_after - now < kSoon) {
    int days = static_cast<int>(std::chrono::duration_cast<std::chrono::hours>(cert.not_after - now).count() / 24);
    ctx.report(gateway, msg::CertificateExpiringSoon(secret, tls::format_time(cert.not_after), days).for_host(first));
  }
  if (cert.not_before > now) {
    ctx.report(gateway, msg::CertificateNotYetValid(secret, tls::format_time(cert.not_before)).for_host(first));
  }
  if (!key_matches) {
    ctx.report(gateway, msg::CertificateKeyMismatch(secret).for_host(first));
  }
  for (const std::string& h : hosts) {
    if (h == "*" || h.empty()) {
      continue;
    }
    bool covered = false;
    for (const std::string& name : cert.dns_names) {
      covered = covered || tls::dns_name_covers(name, h);
    }
    if (!covered) {
      ctx.report(gateway, msg::CertificateHostMismatch(secret, h, NameList{cert.dns_names}).for_host(h));
    }
  }
}

}  // namespace grpcmesh::check
