#include "core/mesh/init_command.hpp"

#include <fmt/format.h>

#include "core/kube/resource.hpp"
#include "core/manifest/ca_secret.hpp"
#include "core/manifest/gateway.hpp"
#include "core/manifest/names.hpp"
#include "core/util/error.hpp"

namespace grpcmesh::mesh {
namespace {

// The servers of our own Gateway for the host, as they are now.
struct CurrentServers {
  std::optional<manifest::HttpsServer> https;
  std::optional<manifest::PlaintextServer> plaintext;
};

CurrentServers current_servers(const std::optional<nlohmann::json>& gateway, const std::string& host) {
  CurrentServers out;
  if (!gateway) {
    return out;
  }
  for (const ServerRef& s : servers_for_host({*gateway}, host)) {
    if (s.protocol == "HTTPS" && !out.https) {
      out.https = manifest::HttpsServer{s.port, s.credential_name, s.tls_mode == "MUTUAL"};
    } else if ((s.protocol == "HTTP2" || s.protocol == "HTTP" || s.protocol == "GRPC") && !out.plaintext) {
      out.plaintext = manifest::PlaintextServer{s.port};
    }
  }
  return out;
}

int pick_port(std::optional<int> flag, std::optional<int> current, const InitFacts& f, const std::string& kind,
              const std::string& flag_name) {
  if (flag) {
    return *flag;
  }
  if (current) {
    return *current;
  }
  if (!f.ports_known) {
    return kind == "https" ? 443 : 80;
  }
  if (auto p = default_port(f.workload, kind)) {
    return *p;
  }
  throw Error(fmt::format("Service {}/{} exposes no {} port (neither {} nor a port named {}*); pass {}",
                          f.workload.namespace_name, f.workload.service, kind == "https" ? "HTTPS" : "plaintext",
                          kind == "https" ? 443 : 80, kind, flag_name));
}

}  // namespace

std::string init_credential_name(const InitOptions& o, const std::optional<nlohmann::json>& gateway) {
  if (!o.credential_name.empty()) {
    return o.credential_name;
  }
  CurrentServers now = current_servers(gateway, o.host);
  if (now.https && !now.https->credential_name.empty()) {
    return now.https->credential_name;
  }
  return manifest::default_credential_name(o.host);
}

InitFacts init_facts_from_flags(const InitOptions& o) {
  if (o.gateway_namespace.empty()) {
    throw UsageError("--dry-run=client cannot look up the gateway pods' namespace; pass --gateway-namespace "
                     "(e.g. istio-system)");
  }
  InitFacts f;
  f.workload.namespace_name = o.gateway_namespace;
  f.workload.selector = o.selector;
  return f;
}

ChangeSet plan_init(const InitOptions& o, const InitFacts& f) {
  ChangeSet cs;
  const std::string name = manifest::host_object_name(o.host);
  const std::string ns = f.workload.namespace_name;
  if (f.gateway && !manifest::managed_by_us(*f.gateway)) {
    throw Error(fmt::format("Gateway {}/{} already exists and was not created by kubectl-grpcmesh; delete or rename "
                            "it, or use it as is and run expose --gateway {}/{}", ns, name, ns, name));
  }
  const CurrentServers now = current_servers(f.gateway, o.host);
  const bool explicit_kind = o.https || o.plaintext;

  if (o.remove) {
    if (!f.gateway) {
      cs.notes.push_back(fmt::format("Gateway {}/{} does not exist; nothing to remove", ns, name));
      return cs;
    }
    const bool drop_https = !explicit_kind || o.https;
    const bool drop_plain = !explicit_kind || o.plaintext;
    manifest::GatewayOptions g{name, ns, f.api_version, o.host, f.workload.selector, now.https, now.plaintext};
    if (drop_https) {
      g.https.reset();
    }
    if (drop_plain) {
      g.plaintext.reset();
    }
    if (!g.https && !g.plaintext) {
      cs.changes.push_back({Change::Kind::Release, *f.gateway});
      if (f.ca_secret && manifest::managed_by_us(*f.ca_secret)) {
        cs.changes.push_back({Change::Kind::Release, *f.ca_secret});
      }
      cs.notes.push_back(fmt::format("{} no longer has a Gateway from kubectl-grpcmesh", o.host));
    } else {
      cs.changes.push_back({Change::Kind::Apply, manifest::gateway(g)});
      cs.notes.push_back(fmt::format("Gateway {}/{} keeps its {} server", ns, name, g.https ? "HTTPS" : "h2c"));
    }
    return cs;
  }

  manifest::GatewayOptions g{name, ns, f.api_version, o.host, f.workload.selector, now.https, now.plaintext};
  // Servers of the kind asked for are set; the other kind is kept as an
  // earlier run left it (the servers list is atomic, so it is rebuilt whole).
  if (o.https || !o.plaintext) {
    const int port = pick_port(o.https_port, now.https ? std::optional<int>(now.https->port) : std::nullopt, f,
                               "https", "--https-port");
    const bool mutual = !o.client_ca_pem.empty() || (now.https && now.https->mutual);
    g.https = manifest::HttpsServer{port, init_credential_name(o, f.gateway), mutual};
  }
  if (o.plaintext) {
    const int port = pick_port(o.plaintext_port, now.plaintext ? std::optional<int>(now.plaintext->port) : std::nullopt,
                               f, "http2", "--plaintext-port");
    g.plaintext = manifest::PlaintextServer{port};
  }
  if (g.https && g.plaintext && g.https->port == g.plaintext->port) {
    throw UsageError(fmt::format("the HTTPS and h2c servers cannot share port {}; set --https-port or "
                                 "--plaintext-port", g.https->port));
  }
  if (f.ports_known) {
    if (g.https) {
      require_exposed(f.workload, g.https->port, "--https-port");
    }
    if (g.plaintext) {
      require_exposed(f.workload, g.plaintext->port, "--plaintext-port");
    }
  }
  for (const ServerRef& s : f.other_servers) {
    if ((g.https && s.port == g.https->port) || (g.plaintext && s.port == g.plaintext->port)) {
      cs.warnings.push_back(fmt::format("Gateway {} also serves {} on port {}; Istio merges both and the result "
                                        "depends on their order: remove one of them",
                                        s.ref(), o.host, s.port));
    }
  }

  if (!o.client_ca_pem.empty()) {
    cs.changes.push_back({Change::Kind::Apply, manifest::ca_secret(g.https->credential_name, ns, o.client_ca_pem)});
  }
  cs.changes.push_back({Change::Kind::Apply, manifest::gateway(g)});

  std::string summary = fmt::format("Gateway {}/{} serves {}:", ns, name, o.host);
  if (g.https) {
    summary += fmt::format(" HTTPS on port {} (tls {}, credentialName {})", g.https->port,
                           g.https->mutual ? "MUTUAL" : "SIMPLE", g.https->credential_name);
  }
  if (g.plaintext) {
    summary += fmt::format("{} h2c on port {}", g.https ? ";" : "", g.plaintext->port);
  }
  if (!f.workload.service.empty()) {
    summary += fmt::format(" through Service {}/{}", ns, f.workload.service);
  }
  cs.notes.push_back(summary);
  if (g.https && f.credential_exists.has_value() && !*f.credential_exists) {
    cs.warnings.push_back(fmt::format("Secret {}/{} does not exist yet, so the HTTPS server has no certificate; "
                                      "create it with: kubectl grpcmesh tls --host {} --self-signed (or --cert FILE "
                                      "--key FILE)", ns, g.https->credential_name, o.host));
  }
  cs.notes.push_back(fmt::format("Next: kubectl grpcmesh expose SERVICE -n NAMESPACE --host {}", o.host));
  return cs;
}

}  // namespace grpcmesh::mesh
