#include <fmt/format.h>

#include "core/kube/resource.hpp"
#include "core/mesh/cluster_read.hpp"
#include "core/mesh/tls_command.hpp"
#include "core/mesh/tls_issuer.hpp"
#include "core/util/error.hpp"

namespace grpcmesh::mesh {

IssuerFacts read_issuer_facts(ClusterState& state, const IssuerOptions& o) {
  // The HTTPS server, its Gateway and the gateway pods' namespace, as tls
  // finds them for a certificate from files.
  TlsOptions t;
  t.host = o.host;
  t.secret_name = o.secret_name;
  t.gateway_namespace = o.gateway_namespace;
  t.remove = true;  // reads nothing about client CAs
  const TlsFacts tf = read_tls_facts(state, t);
  IssuerFacts f;
  f.workload_namespace = tf.workload_namespace;
  f.server = tf.server;
  f.gateway = tf.gateway;
  f.secret = tf.secret;
  read_cert_manager_facts(state, o, issuer_secret_name(o, f), f);
  return f;
}

void read_cert_manager_facts(ClusterState& state, const IssuerOptions& o, const std::string& name, IssuerFacts& f) {
  const std::string ns = f.workload_namespace;
  if (!state.knows(kube::kinds::kCertificate)) {
    return;  // manifests without cert-manager objects: nothing to check against
  }
  std::vector<nlohmann::json> certificates;
  try {
    certificates = list_or_throw(state, kube::kinds::kCertificate, ns, "",
                                 "tls --issuer needs to read cert-manager Certificates in " + ns);
  } catch (const UsageError&) {
    throw;
  } catch (const Error& e) {
    if (std::string(e.what()).find("doesn't have a resource type") == std::string::npos) throw;
    throw Error("cert-manager is not installed: the API server does not serve cert-manager.io Certificates; install "
                "cert-manager first, or use tls --cert/--key or --self-signed");
  }
  for (auto& c : certificates) {
    const bool same_name = c.value("/metadata/name"_json_pointer, std::string()) == name;
    if (same_name) {
      f.certificate = c;
    } else if (c.value("/spec/secretName"_json_pointer, std::string()) == name) {
      f.writers.push_back(c);
    }
  }
  if (o.remove) {
    return;
  }
  f.checked = true;
  if (o.issuer_kind == "ClusterIssuer") {
    f.issuer = get_object(state, kube::kinds::kClusterIssuer, "", o.issuer);
  } else {
    f.issuer = get_object(state, kube::kinds::kIssuer, ns, o.issuer);
    if (!f.issuer) {
      for (const auto& i : list_or_empty(state, kube::kinds::kIssuer, "")) {
        if (i.value("/metadata/name"_json_pointer, std::string()) == o.issuer) {
          f.issuer_elsewhere.push_back(i.value("/metadata/namespace"_json_pointer, std::string()));
        }
      }
    }
  }
}

}  // namespace grpcmesh::mesh
