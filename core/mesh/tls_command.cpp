#include "core/mesh/tls_command.hpp"

#include <fmt/format.h>

#include "core/manifest/names.hpp"
#include "core/manifest/tls_secret.hpp"
#include "core/util/error.hpp"

namespace grpcmesh::mesh {
namespace {

bool is_ours(const nlohmann::json& object) {
  return object.value("/metadata/labels/app.kubernetes.io~1managed-by"_json_pointer, std::string()) ==
         manifest::kManagedByValue;
}

// Our Gateway's apply configuration with one server's credentialName changed.
// init applied the whole spec with our manager, so re-applying it whole keeps
// every other field as it is.
nlohmann::json rebind(const nlohmann::json& gateway, size_t server, const std::string& credential) {
  nlohmann::json config = {
      {"apiVersion", gateway.at("apiVersion")},
      {"kind", "Gateway"},
      {"metadata",
       {{"name", gateway.at("/metadata/name"_json_pointer)},
        {"namespace", gateway.at("/metadata/namespace"_json_pointer)},
        {"labels", {{std::string(manifest::kManagedByLabel), std::string(manifest::kManagedByValue)}}}}},
      {"spec", gateway.at("spec")},
  };
  config["spec"]["servers"][server]["tls"]["credentialName"] = credential;
  return config;
}

std::string describe(const tls::CertificateInfo& c) {
  return fmt::format("expires {}, SHA-256 {}", tls::format_time(c.not_after), c.sha256_fingerprint);
}

}  // namespace

std::string tls_secret_name(const TlsOptions& o, const TlsFacts& f) {
  if (!o.secret_name.empty()) {
    return o.secret_name;
  }
  if (f.server && !f.server->credential_name.empty()) {
    return f.server->credential_name;
  }
  return manifest::default_credential_name(o.host);
}

TlsFacts tls_facts_from_flags(const TlsOptions& o) {
  if (o.gateway_namespace.empty()) {
    throw UsageError("--dry-run=client cannot look up the gateway pods' namespace, where the Secret must live; pass "
                     "--gateway-namespace (e.g. istio-system)");
  }
  TlsFacts f;
  f.workload_namespace = o.gateway_namespace;
  return f;
}

ChangeSet plan_tls(const TlsOptions& o, const TlsFacts& f) {
  ChangeSet cs;
  const std::string name = tls_secret_name(o, f);
  const std::string ns = f.workload_namespace;
  if (o.remove) {
    if (!f.secret) {
      cs.notes.push_back(fmt::format("Secret {}/{} does not exist; nothing to remove", ns, name));
    } else if (!is_ours(*f.secret)) {
      throw Error(fmt::format("Secret {}/{} was not created by kubectl-grpcmesh; delete it yourself if you mean to "
                              "(kubectl delete secret {} -n {})", ns, name, name, ns));
    } else {
      cs.changes.push_back({Change::Kind::Release, *f.secret});
      cs.notes.push_back(fmt::format("Secret {}/{} removed: the HTTPS server for {} has no certificate until tls "
                                     "runs again", ns, name, o.host));
    }
    return cs;
  }

  const tls::Validation v = tls::validate(o.bundle, o.host, o.now);
  cs.warnings = v.warnings;
  cs.changes.push_back(
      {Change::Kind::Apply, manifest::tls_secret({name, ns, o.bundle.cert_pem, o.bundle.key_pem, o.bundle.ca_pem})});

  if (f.server && f.server->credential_name != name) {
    if (!f.gateway || !is_ours(*f.gateway)) {
      throw Error(fmt::format("the HTTPS server of Gateway {} uses credentialName \"{}\", and that Gateway was not "
                              "created by kubectl-grpcmesh; pass --secret-name {} to write that Secret instead",
                              f.server->ref(), f.server->credential_name, f.server->credential_name));
    }
    cs.changes.push_back({Change::Kind::Apply, rebind(*f.gateway, f.server->index, name)});
    cs.notes.push_back(fmt::format("Gateway {} now reads its certificate from Secret {}/{}", f.server->ref(), ns, name));
  }

  const tls::CertificateInfo& leaf = v.chain.front();
  std::optional<tls::CertificateInfo> old;
  if (f.secret) {
    const auto data = f.secret->value("/data/tls.crt"_json_pointer, std::string());
    if (!data.empty()) {
      try {
        old = tls::inspect(manifest::base64_decode(data), "Secret " + ns + "/" + name).front();
      } catch (const Error&) {
        // an unreadable old certificate is simply replaced
      }
    }
  }
  if (old && old->sha256_fingerprint != leaf.sha256_fingerprint) {
    cs.notes.push_back(fmt::format("Rotated the certificate in Secret {}/{}: old {}; new {}", ns, name, describe(*old),
                                   describe(leaf)));
  } else {
    cs.notes.push_back(fmt::format("Secret {}/{} holds the certificate for {} ({}, {})", ns, name, o.host,
                                   leaf.public_key, describe(leaf)));
  }
  return cs;
}

}  // namespace grpcmesh::mesh
