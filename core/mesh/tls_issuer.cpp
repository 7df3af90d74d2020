#include "core/mesh/tls_issuer.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <thread>

#include "core/kube/resource.hpp"

#include "core/manifest/names.hpp"
#include "core/mesh/tls_command.hpp"
#include "core/stream/duration.hpp"
#include "core/util/error.hpp"

namespace grpcmesh::mesh {

namespace {

std::string ref_of(const nlohmann::json& object) {
  return object.value("/metadata/namespace"_json_pointer, std::string()) + "/" +
         object.value("/metadata/name"_json_pointer, std::string());
}

std::string issuer_ref(const IssuerOptions& o, const std::string& ns) {
  return o.issuer_kind == "ClusterIssuer" ? "ClusterIssuer " + o.issuer : "Issuer " + ns + "/" + o.issuer;
}

// "reason: message" of a condition, or of whatever part it has.
std::string explain(const nlohmann::json& c) {
  const std::string reason = c.value("reason", std::string());
  const std::string message = c.value("message", std::string());
  if (reason.empty()) return message;
  if (message.empty()) return reason;
  return reason + ": " + message;
}

}  // namespace

std::optional<nlohmann::json> condition(const nlohmann::json& object, const std::string& type) {
  const nlohmann::json conditions = object.value("/status/conditions"_json_pointer, nlohmann::json::array());
  if (!conditions.is_array()) return std::nullopt;
  for (const auto& c : conditions) {
    if (c.is_object() && c.value("type", std::string()) == type) return c;
  }
  return std::nullopt;
}

void validate_issuer_options(IssuerOptions& o) {
  if (o.issuer.empty()) {
    throw UsageError("--issuer needs the name of a cert-manager Issuer or ClusterIssuer");
  }
  if (o.issuer_kind != "Issuer" && o.issuer_kind != "ClusterIssuer") {
    throw UsageError(fmt::format("--issuer-kind must be Issuer or ClusterIssuer, not \"{}\"", o.issuer_kind));
  }
  if (o.key_algorithm == "RSA") {
    if (o.key_size == 0) o.key_size = 2048;
    if (o.key_size != 2048 && o.key_size != 3072 && o.key_size != 4096) {
      throw UsageError(fmt::format("--key-size {} is not one cert-manager issues for RSA: use 2048, 3072 or 4096",
                                   o.key_size));
    }
  } else if (o.key_algorithm == "ECDSA") {
    if (o.key_size == 0) o.key_size = 256;
    if (o.key_size != 256 && o.key_size != 384 && o.key_size != 521) {
      throw UsageError(fmt::format("--key-size {} is not one cert-manager issues for ECDSA: use 256, 384 or 521",
                                   o.key_size));
    }
  } else if (o.key_algorithm == "Ed25519") {
    if (o.key_size != 0) {
      throw UsageError("--key-size does not apply to --key-algorithm Ed25519");
    }
  } else {
    throw UsageError(fmt::format("--key-algorithm must be RSA, ECDSA or Ed25519, not \"{}\"", o.key_algorithm));
  }
  const auto duration = stream::parse_duration_flag(o.duration, "--duration");
  if (duration < std::chrono::hours(1)) {
    throw UsageError(fmt::format("--duration {} is shorter than the hour cert-manager accepts; use e.g. 2160h",
                                 o.duration));
  }
  if (!o.renew_before.empty()) {
    const auto renew = stream::parse_duration_flag(o.renew_before, "--renew-before");
    if (renew < std::chrono::minutes(5) || renew >= duration) {
      throw UsageError(fmt::format("--renew-before {} must be at least 5m and shorter than --duration {}",
                                   o.renew_before, o.duration));
    }
  }
}

std::string issuer_secret_name(const IssuerOptions& o, const IssuerFacts& f) {
  if (!o.secret_name.empty()) return o.secret_name;
  if (f.server && !f.server->credential_name.empty()) return f.server->credential_name;
  return manifest::default_credential_name(o.host);
}

IssuerFacts issuer_facts_from_flags(const IssuerOptions& o) {
  if (o.gateway_namespace.empty()) {
    throw UsageError("--dry-run=client cannot look up the gateway pods' namespace, where the Certificate must live; "
                     "pass --gateway-namespace (e.g. istio-system)");
  }
  IssuerFacts f;
  f.workload_namespace = o.gateway_namespace;
  return f;
}

nlohmann::json certificate_manifest(const IssuerOptions& o, const std::string& name, const std::string& ns) {
  nlohmann::json key = {{"algorithm", o.key_algorithm}, {"rotationPolicy", "Always"}};
  if (o.key_size != 0) key["size"] = o.key_size;
  nlohmann::json spec = {
      {"secretName", name},
      {"dnsNames", nlohmann::json::array({o.host})},
      {"duration", o.duration},
      {"privateKey", key},
      {"issuerRef", {{"group", "cert-manager.io"}, {"kind", o.issuer_kind}, {"name", o.issuer}}},
  };
  if (!o.renew_before.empty()) spec["renewBefore"] = o.renew_before;
  return {
      {"apiVersion", "cert-manager.io/v1"},
      {"kind", "Certificate"},
      {"metadata",
       {{"name", name},
        {"namespace", ns},
        {"labels", {{std::string(manifest::kManagedByLabel), std::string(manifest::kManagedByValue)}}}}},
      {"spec", spec},
  };
}

void plan_certificate(const IssuerOptions& o, const IssuerFacts& f, const std::string& name, ChangeSet& cs) {
  const std::string ns = f.workload_namespace;
  if (o.remove) {
    if (!f.certificate) {
      cs.notes.push_back(fmt::format("Certificate {}/{} does not exist; nothing to remove", ns, name));
    } else if (!manifest::managed_by_us(*f.certificate)) {
      throw Error(fmt::format("Certificate {}/{} was not created by kubectl-grpcmesh; delete it yourself if you mean "
                              "to (kubectl delete certificate {} -n {})", ns, name, name, ns));
    } else {
      cs.changes.push_back({Change::Kind::Release, *f.certificate});
      cs.notes.push_back(fmt::format("Certificate {}/{} removed: cert-manager no longer renews Secret {}/{}", ns, name,
                                     ns, name));
      if (f.secret) {
        cs.notes.push_back(fmt::format("Secret {}/{} stays (cert-manager wrote it; the gateway serves it until it "
                                       "expires): kubectl delete secret {} -n {}", ns, name, name, ns));
      }
    }
    return;
  }

  if (f.checked) {
    if (!f.issuer) {
      if (o.issuer_kind == "Issuer" && !f.issuer_elsewhere.empty()) {
        throw Error(fmt::format(
            "Issuer {} is in namespace {}, but a namespaced Issuer only signs Certificates in its own namespace and "
            "this Certificate must be in {} (where {} Secret {}); create the Issuer in {} or use "
            "a ClusterIssuer (--issuer-kind ClusterIssuer)",
            o.issuer, fmt::join(f.issuer_elsewhere, ", "), ns, f.reader, name, ns));
      }
      throw Error(fmt::format("{} does not exist; create it first, or name another with --issuer{}",
                              issuer_ref(o, ns), o.issuer_kind == "Issuer" ? " (or --issuer-kind ClusterIssuer)" : ""));
    }
    for (const auto& w : f.writers) {
      throw Error(fmt::format("Certificate {} (not created by kubectl-grpcmesh) already writes Secret {}/{}; two "
                              "Certificates on one Secret overwrite each other: delete it, or pass --secret-name "
                              "with another Secret",
                              ref_of(w), ns, name));
    }
    if (f.certificate && !manifest::managed_by_us(*f.certificate)) {
      throw Error(fmt::format("Certificate {}/{} exists and was not created by kubectl-grpcmesh; pass --secret-name "
                              "to use another name, or delete it",
                              ns, name));
    }
    const auto ready = condition(*f.issuer, "Ready");
    if (!ready || ready->value("status", std::string()) != "True") {
      cs.warnings.push_back(fmt::format("{} is not Ready{}: the Certificate waits until it is", issuer_ref(o, ns),
                                        ready ? " (" + explain(*ready) + ")" : ""));
    }
    if (f.secret && !f.certificate &&
        f.secret->value("/metadata/annotations/cert-manager.io~1certificate-name"_json_pointer, std::string()).empty()) {
      cs.notes.push_back(fmt::format("Secret {}/{} exists; cert-manager replaces its certificate and key", ns, name));
    }
  }

  cs.changes.push_back({Change::Kind::Apply, certificate_manifest(o, name, ns)});
  cs.notes.push_back(fmt::format("Certificate {}/{}: {} issues {} for {} into Secret {}/{}", ns, name,
                                 issuer_ref(o, ns), o.key_algorithm + (o.key_size ? " " + std::to_string(o.key_size) : ""),
                                 o.host, ns, name));
}

ChangeSet plan_tls_issuer(const IssuerOptions& o, const IssuerFacts& f) {
  ChangeSet cs;
  const std::string name = issuer_secret_name(o, f);
  const std::string ns = f.workload_namespace;
  plan_certificate(o, f, name, cs);
  if (o.remove) {
    return cs;
  }
  if (f.server && f.server->credential_name != name) {
    if (!f.gateway || !manifest::managed_by_us(*f.gateway)) {
      throw Error(fmt::format("the HTTPS server of Gateway {} uses credentialName \"{}\", and that Gateway was not "
                              "created by kubectl-grpcmesh; pass --secret-name {} to write that Secret instead",
                              f.server->ref(), f.server->credential_name, f.server->credential_name));
    }
    cs.changes.push_back({Change::Kind::Apply, rebind_credential(*f.gateway, f.server->index, name)});
    cs.notes.push_back(fmt::format("Gateway {} now reads its certificate from Secret {}/{}", f.server->ref(), ns, name));
  }
  if (f.server && (f.server->tls_mode == "MUTUAL" || f.server->tls_mode == "OPTIONAL_MUTUAL")) {
    cs.warnings.push_back(fmt::format(
        "the {} server of Gateway {} checks client certificates against ca.crt of Secret {}/{} unless {}-cacert "
        "exists, and cert-manager writes its issuing CA there",
        f.server->tls_mode, f.server->ref(), ns, name, name));
  }
  return cs;
}

CertificateProgress certificate_progress(const nlohmann::json& cert, const std::vector<nlohmann::json>& requests) {
  CertificateProgress p;
  const auto ready = condition(cert, "Ready");
  const long generation = cert.value("/metadata/generation"_json_pointer, 0L);
  if (ready && ready->value("status", std::string()) == "True" &&
      ready->value("observedGeneration", generation) == generation) {
    p.ready = true;
    p.summary = "Ready";
    return p;
  }
  // The newest request of the current revision says most about why.
  const nlohmann::json* newest = nullptr;
  for (const auto& r : requests) {
    if (!newest || r.value("/metadata/creationTimestamp"_json_pointer, std::string()) >=
                       newest->value("/metadata/creationTimestamp"_json_pointer, std::string())) {
      newest = &r;
    }
  }
  std::vector<std::string> parts;
  if (const auto issuing = condition(cert, "Issuing")) {
    if (issuing->value("status", std::string()) == "False" && issuing->value("reason", std::string()) == "Failed") {
      p.failed = true;
    }
    parts.push_back("Issuing " + issuing->value("status", std::string()) + " (" + explain(*issuing) + ")");
  }
  if (newest) {
    const std::string cr = newest->value("/metadata/name"_json_pointer, std::string());
    if (const auto denied = condition(*newest, "Denied"); denied && denied->value("status", std::string()) == "True") {
      p.failed = true;
      parts.push_back("CertificateRequest " + cr + " denied (" + explain(*denied) + ")");
    } else if (const auto r = condition(*newest, "Ready")) {
      if (r->value("reason", std::string()) == "Failed") p.failed = true;
      parts.push_back("CertificateRequest " + cr + " " + explain(*r));
    }
  }
  if (ready) {
    parts.insert(parts.begin(), "Ready " + ready->value("status", std::string()) + " (" + explain(*ready) + ")");
  }
  p.summary = parts.empty() ? "no status from cert-manager yet (is its controller running?)" : fmt::format("{}", fmt::join(parts, "; "));
  return p;
}

}  // namespace grpcmesh::mesh

namespace grpcmesh::mesh {

CertificateProgress wait_for_certificate(kube::Client& client, const std::string& ns, const std::string& name,
                                         std::chrono::milliseconds timeout,
                                         const std::function<void(const std::string&)>& on_status,
                                         std::chrono::milliseconds interval) {
  const auto certificates = client.resolve(kube::kinds::kCertificate);
  const auto requests = client.resolve(kube::kinds::kCertificateRequest);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  CertificateProgress p;
  for (;;) {
    const auto cert = client.get(certificates, ns, name);
    if (!cert) {
      p = {false, true, "the Certificate was deleted"};
      return p;
    }
    std::vector<nlohmann::json> mine;
    const std::string uid = cert->value("/metadata/uid"_json_pointer, std::string());
    for (auto& r : client.list(requests, {.namespace_name = ns}).items) {
      for (const auto& owner : r.value("/metadata/ownerReferences"_json_pointer, nlohmann::json::array())) {
        if (owner.value("uid", std::string()) == uid) {
          mine.push_back(std::move(r));
          break;
        }
      }
    }
    p = certificate_progress(*cert, mine);
    if (on_status) on_status(p.summary);
    if (p.ready || p.failed || std::chrono::steady_clock::now() >= deadline) {
      return p;
    }
    std::this_thread::sleep_for(interval);
  }
}

}  // namespace grpcmesh::mesh
