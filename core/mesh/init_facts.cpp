#include "core/kube/resource.hpp"
#include "core/manifest/names.hpp"
#include "core/mesh/cluster_read.hpp"
#include "core/mesh/init_command.hpp"
#include "core/util/error.hpp"

namespace grpcmesh::mesh {

InitFacts read_init_facts(ClusterState& state, const InitOptions& o) {
  InitFacts f;
  f.api_version = istio_api_version(state);
  f.workload = read_gateway_workload(state, o.selector, o.gateway_namespace);
  // Manifests without the gateway's Service cannot say which ports it exposes.
  f.ports_known = state.knows(kube::kinds::kPod) || !f.workload.service.empty();
  const std::string ns = f.workload.namespace_name;
  f.gateway = get_object(state, kube::kinds::kIstioGateway, ns, manifest::host_object_name(o.host));
  const std::string credential = init_credential_name(o, f.gateway);
  if (state.knows(kube::kinds::kSecret)) {  // manifests without Secrets: whether it exists is unknown
    try {
      f.credential_exists = get_object(state, kube::kinds::kSecret, ns, credential).has_value();
      f.ca_secret = get_object(state, kube::kinds::kSecret, ns, credential + "-cacert");
    } catch (const Error&) {
      // cannot read Secrets here (RBAC): the missing-secret warning is skipped
    }
  }
  for (const ServerRef& s : servers_for_host(list_or_empty(state, kube::kinds::kIstioGateway, ""), o.host)) {
    if (!(s.gateway_namespace == ns && s.gateway_name == manifest::host_object_name(o.host))) {
      f.other_servers.push_back(s);
    }
  }
  return f;
}

}  // namespace grpcmesh::mesh
