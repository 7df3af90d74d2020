#include "core/mesh/tls_command.hpp"

#include <fmt/format.h>

#include "core/manifest/ca_secret.hpp"
#include "core/manifest/names.hpp"
#include "core/manifest/tls_secret.hpp"
#include "core/tls/certificate.hpp"
#include "core/util/error.hpp"

namespace grpcmesh::mesh {
namespace {

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

// The client CA Istio reads from a Secret (ca.crt, else cacert; "" when none).
std::string ca_of(const std::optional<nlohmann::json>& secret) {
  if (!secret) {
    return "";
  }
  for (const char* key : {"ca.crt", "cacert"}) {
    const nlohmann::json data = secret->value("data", nlohmann::json::object());
    if (data.contains(key) && data[key].is_string() && !data[key].get<std::string>().empty()) {
      return manifest::base64_decode(data[key].get<std::string>());
    }
  }
  return "";
}

std::string ref_of(const nlohmann::json& object) {
  return object.value("/metadata/namespace"_json_pointer, std::string()) + "/" +
         object.value("/metadata/name"_json_pointer, std::string());
}

// --ca when "<name>-cacert" exists but was not created by us: Istio reads
// the client CA from that Secret, so --ca must say the same or be refused
// (written to ca.crt it would be ignored).
void check_foreign_ca(const TlsOptions& o, const TlsFacts& f, const std::string& name) {
  if (o.bundle.ca_pem.empty() || !f.new_ca_secret || manifest::managed_by_us(*f.new_ca_secret)) {
    return;
  }
  auto fingerprints = [](const std::string& pem, const std::string& source) {
    std::vector<std::string> out;
    for (const tls::CertificateInfo& c : tls::inspect(pem, source)) {
      out.push_back(c.sha256_fingerprint);
    }
    return out;
  };
  const std::string ca_name = name + "-cacert";
  const std::string ns = f.workload_namespace;
  const std::string theirs = ca_of(f.new_ca_secret);
  if (theirs.empty() || fingerprints(theirs, "Secret " + ns + "/" + ca_name) != fingerprints(o.bundle.ca_pem, "--ca")) {
    throw Error(fmt::format("Secret {}/{} holds the client CA Istio reads for Secret {}/{} (before its ca.crt), and it "
                            "was not created by kubectl-grpcmesh, so --ca would be ignored; put the CA in {} under "
                            "ca.crt, or delete it and re-run",
                            ns, ca_name, ns, name, ca_name));
  }
}

// A MUTUAL server moving from Secret `from` to `to`: Istio reads the client CA
// from "<credentialName>-cacert" first, then from ca.crt/cacert in the Secret
// itself, so the CA must be where the new name leads.
void carry_client_ca(const TlsOptions& o, const TlsFacts& f, const std::string& from, const std::string& to,
                     ChangeSet& cs) {
  const std::string ns = f.workload_namespace;
  const std::string new_ca_name = to + "-cacert";
  if (f.new_ca_secret && !manifest::managed_by_us(*f.new_ca_secret)) {
    check_foreign_ca(o, f, to);
    if (ca_of(f.new_ca_secret).empty()) {
      throw Error(fmt::format("Secret {}/{} exists but holds no client CA (no ca.crt or cacert), and Istio would read "
                              "the client CA of the {} server of Gateway {} from it; put the CA in it under ca.crt, "
                              "or delete it and re-run", ns, new_ca_name, f.server->tls_mode, f.server->ref()));
    }
    cs.notes.push_back(fmt::format("Gateway {} now checks client certificates against the CA in Secret {}/{}, which "
                                   "was already there", f.server->ref(), ns, new_ca_name));
  } else if (!o.bundle.ca_pem.empty() && !f.new_ca_secret) {
    cs.notes.push_back(fmt::format("Secret {}/{} holds the client CA from --ca (ca.crt) for the {} server of Gateway "
                                   "{}", ns, to, f.server->tls_mode, f.server->ref()));
  } else {
    std::string ca = o.bundle.ca_pem;
    std::string source = "--ca";
    if (ca.empty()) {
      ca = ca_of(f.old_ca_secret);
      source = fmt::format("Secret {}/{}-cacert", ns, from);
    }
    if (ca.empty()) {
      ca = ca_of(f.old_secret);
      source = fmt::format("Secret {}/{}", ns, from);
    }
    if (ca.empty()) {
      throw Error(fmt::format("the {} server of Gateway {} has no client CA to keep (neither Secret {}/{}-cacert nor "
                              "ca.crt in Secret {}/{}); pass --ca FILE with the CA that issues the client "
                              "certificates", f.server->tls_mode, f.server->ref(), ns, from, ns, from));
    }
    cs.changes.push_back({Change::Kind::Apply, manifest::ca_secret(to, ns, ca)});
    cs.notes.push_back(fmt::format("Secret {}/{} holds the client CA (from {}) for the {} server of Gateway {}", ns,
                                   new_ca_name, source, f.server->tls_mode, f.server->ref()));
  }
  if (!f.old_ca_secret) {
    return;
  }
  if (!manifest::managed_by_us(*f.old_ca_secret)) {
    cs.notes.push_back(fmt::format("Secret {} stays: it was not created by kubectl-grpcmesh", ref_of(*f.old_ca_secret)));
  } else if (!f.old_ca_readers.empty()) {
    cs.notes.push_back(fmt::format("Secret {} stays: Gateway {} still {} it", ref_of(*f.old_ca_secret),
                                   fmt::join(f.old_ca_readers, ", "), f.old_ca_readers.size() == 1 ? "reads" : "read"));
  } else {
    cs.changes.push_back({Change::Kind::Release, *f.old_ca_secret});
    cs.notes.push_back(fmt::format("Secret {} removed: no server reads it any more", ref_of(*f.old_ca_secret)));
  }
}

std::string describe(const tls::CertificateInfo& c) {
  return fmt::format("expires {}, SHA-256 {}", tls::format_time(c.not_after), c.sha256_fingerprint);
}

}  // namespace

bool is_mutual(std::string_view mode) { return mode == "MUTUAL" || mode == "OPTIONAL_MUTUAL"; }

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
    } else if (!manifest::managed_by_us(*f.secret)) {
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
  // Istio reads the client CA from "<name>-cacert" when that Secret exists,
  // and only otherwise from ca.crt in the Secret itself.
  const bool ca_apart = !o.bundle.ca_pem.empty() && f.new_ca_secret.has_value();
  cs.changes.push_back({Change::Kind::Apply, manifest::tls_secret({name, ns, o.bundle.cert_pem, o.bundle.key_pem,
                                                                   ca_apart ? std::string() : o.bundle.ca_pem})});
  const bool moving = f.server && f.server->credential_name != name;
  // A MUTUAL server being moved takes its CA along in carry_client_ca.
  const bool carried = moving && is_mutual(f.server->tls_mode);
  if (ca_apart && !carried) {
    check_foreign_ca(o, f, name);
    if (manifest::managed_by_us(*f.new_ca_secret)) {
      cs.changes.push_back({Change::Kind::Apply, manifest::ca_secret(name, ns, o.bundle.ca_pem)});
      cs.notes.push_back(fmt::format("Secret {}/{}-cacert holds the client CA from --ca (Istio reads it before ca.crt "
                                     "in Secret {}/{})", ns, name, ns, name));
    } else {
      cs.notes.push_back(fmt::format("Secret {}/{}-cacert already holds the CA given with --ca", ns, name));
    }
  }

  if (moving) {
    if (!f.gateway || !manifest::managed_by_us(*f.gateway)) {
      throw Error(fmt::format("the HTTPS server of Gateway {} uses credentialName \"{}\", and that Gateway was not "
                              "created by kubectl-grpcmesh; pass --secret-name {} to write that Secret instead",
                              f.server->ref(), f.server->credential_name, f.server->credential_name));
    }
    cs.notes.push_back(fmt::format("Gateway {} now reads its certificate from Secret {}/{}", f.server->ref(), ns, name));
    if (is_mutual(f.server->tls_mode)) {
      // The CA first, so the gateway never reads the new name without one;
      // the old CA Secret goes last, after the Gateway no longer names it.
      ChangeSet ca;
      carry_client_ca(o, f, f.server->credential_name, name, ca);
      for (auto& c : ca.changes) {
        if (c.kind == Change::Kind::Apply) {
          cs.changes.push_back(c);
        }
      }
      cs.changes.push_back({Change::Kind::Apply, rebind(*f.gateway, f.server->index, name)});
      for (auto& c : ca.changes) {
        if (c.kind == Change::Kind::Release) {
          cs.changes.push_back(c);
        }
      }
      cs.notes.insert(cs.notes.end(), ca.notes.begin(), ca.notes.end());
    } else {
      cs.changes.push_back({Change::Kind::Apply, rebind(*f.gateway, f.server->index, name)});
    }
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

nlohmann::json rebind_credential(const nlohmann::json& gateway, size_t server, const std::string& credential) {
  return rebind(gateway, server, credential);
}

}  // namespace grpcmesh::mesh
