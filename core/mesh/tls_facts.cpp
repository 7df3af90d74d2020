#include <fmt/format.h>

#include <algorithm>

#include "core/kube/resource.hpp"
#include "core/manifest/names.hpp"
#include "core/mesh/cluster_read.hpp"
#include "core/mesh/tls_command.hpp"
#include "core/util/error.hpp"

namespace grpcmesh::mesh {

TlsFacts read_tls_facts(ClusterState& state, const TlsOptions& o) {
  istio_api_version(state);  // a clear error when Istio is not installed
  const auto gateways = list_or_throw(state, kube::kinds::kIstioGateway, o.gateway_namespace, "",
                                      "pass --gateway-namespace to look in one namespace only");
  TlsFacts f;
  for (const ServerRef& s : servers_for_host(gateways, o.host)) {
    if (s.protocol != "HTTPS") {
      continue;
    }
    // our own Gateway for the host first, then the first other one
    if (!f.server || (s.managed_by_us && !f.server->managed_by_us)) {
      f.server = s;
    }
  }
  if (!f.server) {
    throw Error(fmt::format("no Gateway has an HTTPS server for {}; create one first: kubectl grpcmesh init --host {}",
                            o.host, o.host));
  }
  for (const auto& g : gateways) {
    if (g.value("/metadata/namespace"_json_pointer, std::string()) == f.server->gateway_namespace &&
        g.value("/metadata/name"_json_pointer, std::string()) == f.server->gateway_name) {
      f.gateway = g;
    }
  }
  // credentialName is looked up in the namespace of the gateway pods, not of
  // the Gateway resource.
  f.workload_namespace = read_gateway_workload(state, f.server->selector, o.gateway_namespace).namespace_name;
  const std::string name = tls_secret_name(o, f);
  f.secret = get_object(state, kube::kinds::kSecret, f.workload_namespace, name);
  const std::string& current = f.server->credential_name;
  const bool moving_mutual = !o.remove && current != name && !current.empty() && is_mutual(f.server->tls_mode);
  if (moving_mutual || (!o.remove && !o.bundle.ca_pem.empty())) {
    // Where Istio would read the client CA of `name` from, if it exists.
    f.new_ca_secret = get_object(state, kube::kinds::kSecret, f.workload_namespace, name + "-cacert");
  }
  if (moving_mutual) {
    f.old_ca_secret = get_object(state, kube::kinds::kSecret, f.workload_namespace, current + "-cacert");
    f.old_secret = get_object(state, kube::kinds::kSecret, f.workload_namespace, current);
    for (const auto& g : gateways) {
      const nlohmann::json servers = g.value("/spec/servers"_json_pointer, nlohmann::json::array());
      for (size_t i = 0; i < servers.size(); ++i) {
        const std::string ref = g.value("/metadata/namespace"_json_pointer, std::string()) + "/" +
                                g.value("/metadata/name"_json_pointer, std::string());
        const std::string mode = servers[i].value("/tls/mode"_json_pointer, std::string());
        if (servers[i].value("/tls/credentialName"_json_pointer, std::string()) == current &&
            is_mutual(mode) && !(ref == f.server->ref() && i == f.server->index) &&
            std::find(f.old_ca_readers.begin(), f.old_ca_readers.end(), ref) == f.old_ca_readers.end()) {
          f.old_ca_readers.push_back(ref);
        }
      }
    }
  }
  return f;
}

}  // namespace grpcmesh::mesh
