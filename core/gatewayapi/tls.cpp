#include "core/gatewayapi/tls.hpp"

#include <fmt/format.h>

#include "core/gatewayapi/gateway.hpp"
#include "core/manifest/names.hpp"
#include "core/manifest/tls_secret.hpp"
#include "core/mesh/tls_issuer.hpp"
#include "core/util/error.hpp"

namespace grpcmesh::gatewayapi {
namespace {

nlohmann::json secret_grant(const std::string& secret, const std::string& secret_namespace,
                            const std::string& gateway_namespace) {
  return {{"apiVersion", "gateway.networking.k8s.io/v1beta1"},
          {"kind", "ReferenceGrant"},
          {"metadata",
           {{"name", secret_reference_grant_name(secret, gateway_namespace)},
            {"namespace", secret_namespace},
            {"labels", {{std::string(manifest::kManagedByLabel), std::string(manifest::kManagedByValue)}}}}},
          {"spec",
           {{"from", nlohmann::json::array({{{"group", kGroup}, {"kind", "Gateway"}, {"namespace", gateway_namespace}}})},
            {"to", nlohmann::json::array({{{"group", ""}, {"kind", "Secret"}, {"name", secret}}})}}}};
}

// The host's listeners on the Gateway re-applied with the HTTPS one pointing
// at the Secret (every listener tls applies must be given again, or server-side
// apply would drop it).
nlohmann::json rebind(const TlsFacts& f, const std::string& host, const std::string& name, const std::string& ns) {
  GatewayConfig g{f.gateway_name, f.gateway_namespace, std::nullopt, {}};
  const bool ours = manifest::managed_by_us(*f.gateway);
  if (ours) {
    g.gateway_class = f.gateway->value("/spec/gatewayClassName"_json_pointer, std::string("istio"));
  }
  for (Listener l : listeners_of(*f.gateway)) {
    if (l.name == listener_name(host, "HTTPS")) {
      // init --client-ca's validation of the listener's clients stays.
      const std::string ca = ours ? client_ca_of(*f.gateway, l.port) : "";
      if (!ca.empty()) {
        g.tls = client_ca_tls(l.port, ca);
      }
      l.secret_name = name;
      l.secret_namespace = ns == f.gateway_namespace ? "" : ns;
      g.listeners.push_back(l);
    } else if (ours || made_by_init(l)) {
      g.listeners.push_back(l);
    }
  }
  return gateway(g);
}

}  // namespace

std::string secret_reference_grant_name(const std::string& secret, const std::string& gateway_namespace) {
  return secret + "-from-" + gateway_namespace;
}

TlsFacts tls_facts_from_flags(const TlsOptions& o) {
  TlsFacts f;
  GatewayRef gateway = gateway_from_flags(o.gateway, o.gateway_namespace, o.host);
  f.gateway_namespace = std::move(gateway.namespace_name);
  f.gateway_name = std::move(gateway.name);
  return f;
}

std::pair<std::string, std::string> tls_secret_ref(const TlsOptions& o, const TlsFacts& f) {
  std::string name = o.secret_name;
  std::string ns = o.secret_namespace;
  if (name.empty() && f.listener && !f.listener->secret_name.empty()) {
    name = f.listener->secret_name;
    if (ns.empty()) {
      ns = f.listener->secret_namespace;
    }
  }
  if (name.empty()) {
    name = manifest::default_credential_name(o.host);
  }
  if (ns.empty()) {
    ns = f.gateway_namespace;
  }
  return {ns, name};
}

void bind_listener(const TlsOptions& o, const TlsFacts& f, const std::string& ns, const std::string& name,
                   mesh::ChangeSet& cs) {
  const std::string gw_ref = f.gateway_namespace + "/" + f.gateway_name;
  if (ns != f.gateway_namespace) {
    cs.changes.push_back({mesh::Change::Kind::Apply, secret_grant(name, ns, f.gateway_namespace)});
    cs.notes.push_back(fmt::format("ReferenceGrant {}/{} lets Gateways of namespace {} read Secret {}/{}", ns,
                                   secret_reference_grant_name(name, f.gateway_namespace), f.gateway_namespace, ns,
                                   name));
  }
  const bool moving =
      f.listener && (f.listener->secret_name != name ||
                     (f.listener->secret_namespace.empty() ? f.gateway_namespace : f.listener->secret_namespace) != ns);
  if (moving) {
    if (f.listener->name != listener_name(o.host, "HTTPS")) {
      throw Error(fmt::format("listener {} of Gateway {} was not made by kubectl-grpcmesh and reads Secret {}/{}; pass "
                              "--secret-name {} --secret-namespace {} to write that Secret instead",
                              f.listener->name, gw_ref,
                              f.listener->secret_namespace.empty() ? f.gateway_namespace : f.listener->secret_namespace,
                              f.listener->secret_name, f.listener->secret_name,
                              f.listener->secret_namespace.empty() ? f.gateway_namespace
                                                                   : f.listener->secret_namespace));
    }
    cs.changes.push_back({mesh::Change::Kind::Apply, rebind(f, o.host, name, ns)});
    cs.notes.push_back(fmt::format("Listener {} of Gateway {} now reads its certificate from Secret {}/{}",
                                   f.listener->name, gw_ref, ns, name));
  } else if (!f.known && ns != f.gateway_namespace) {
    cs.notes.push_back(fmt::format("--dry-run=client does not read the Gateway: point listener {} of Gateway {} at "
                                   "Secret {}/{} (certificateRefs namespace {})",
                                   listener_name(o.host, "HTTPS"), gw_ref, ns, name, ns));
  }
}

namespace {

void require_listener(const TlsOptions& o, const TlsFacts& f) {
  if (f.known && !f.listener && !o.remove) {
    throw Error(fmt::format("Gateway {}/{} has no HTTPS listener for {}; run kubectl grpcmesh init --host {} --api "
                            "gateway-api first",
                            f.gateway_namespace, f.gateway_name, o.host, o.host));
  }
}

}  // namespace

mesh::IssuerFacts issuer_facts(const TlsOptions& o, const TlsFacts& f) {
  mesh::IssuerFacts out;
  out.workload_namespace = tls_secret_ref(o, f).first;
  out.secret = f.secret;
  out.reader = fmt::format("listener {} of Gateway {}/{} reads",
                           f.listener ? f.listener->name : listener_name(o.host, "HTTPS"), f.gateway_namespace,
                           f.gateway_name);
  return out;
}

mesh::ChangeSet plan_tls_issuer(const TlsOptions& o, const TlsFacts& f, const mesh::IssuerOptions& issuer,
                                const mesh::IssuerFacts& cert_manager) {
  require_listener(o, f);
  mesh::ChangeSet cs;
  const auto [ns, name] = tls_secret_ref(o, f);
  // --remove takes only the Certificate: the Secret cert-manager wrote stays,
  // and so does the ReferenceGrant that lets the listener read it.
  mesh::plan_certificate(issuer, cert_manager, name, cs);
  if (!o.remove) {
    bind_listener(o, f, ns, name, cs);
  }
  return cs;
}

mesh::ChangeSet plan_tls(const TlsOptions& o, const TlsFacts& f) {
  mesh::ChangeSet cs;
  const auto [ns, name] = tls_secret_ref(o, f);
  require_listener(o, f);
  if (o.remove) {
    if (!f.secret) {
      cs.notes.push_back(fmt::format("Secret {}/{} does not exist; nothing to remove", ns, name));
    } else if (!manifest::managed_by_us(*f.secret)) {
      throw Error(fmt::format("Secret {}/{} was not created by kubectl-grpcmesh; delete it yourself if you mean to "
                              "(kubectl delete secret {} -n {})",
                              ns, name, name, ns));
    } else {
      cs.changes.push_back({mesh::Change::Kind::Release, *f.secret});
      cs.notes.push_back(fmt::format("Secret {}/{} removed: the HTTPS listener for {} has no certificate until tls "
                                     "runs again",
                                     ns, name, o.host));
    }
    if (f.reference_grant && manifest::managed_by_us(*f.reference_grant)) {
      cs.changes.push_back({mesh::Change::Kind::Release, *f.reference_grant});
    }
    return cs;
  }

  const tls::Validation v = tls::validate(o.bundle, o.host, o.now);
  cs.warnings = v.warnings;
  if (!o.bundle.ca_pem.empty()) {
    throw UsageError(fmt::format("--ca: the Gateway API reads the client CA from the Gateway's spec.tls.frontend, "
                                 "not from the listener's Secret; set it with kubectl grpcmesh init --host {} --api "
                                 "gateway-api --client-ca FILE, and drop --ca here",
                                 o.host));
  }
  cs.changes.push_back(
      {mesh::Change::Kind::Apply, manifest::tls_secret({name, ns, o.bundle.cert_pem, o.bundle.key_pem, ""})});
  bind_listener(o, f, ns, name, cs);
  const tls::CertificateInfo& leaf = v.chain.front();
  cs.notes.push_back(fmt::format("Secret {}/{} holds the certificate for {} ({}, {})", ns, name, o.host, leaf.subject,
                                 leaf.public_key));
  return cs;
}

}  // namespace grpcmesh::gatewayapi
