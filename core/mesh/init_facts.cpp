#include "core/kube/resource.hpp"
#include "core/manifest/names.hpp"
#include "core/mesh/cluster_read.hpp"
#include "core/mesh/init_command.hpp"
#include "core/util/error.hpp"

namespace grpcmesh::mesh {

InitFacts read_init_facts(kube::Client& client, const InitOptions& o) {
  InitFacts f;
  f.api_version = istio_api_version(client);
  f.workload = read_gateway_workload(client, o.selector, o.gateway_namespace);
  f.ports_known = true;
  const std::string ns = f.workload.namespace_name;
  f.gateway = get_object(client, kube::kinds::kIstioGateway, ns, manifest::host_object_name(o.host));
  const std::string credential = init_credential_name(o, f.gateway);
  try {
    f.credential_exists = get_object(client, kube::kinds::kSecret, ns, credential).has_value();
    f.ca_secret = get_object(client, kube::kinds::kSecret, ns, credential + "-cacert");
  } catch (const Error&) {
    // cannot read Secrets here (RBAC): the missing-secret warning is skipped
  }
  for (const ServerRef& s : servers_for_host(list_or_empty(client, kube::kinds::kIstioGateway, ""), o.host)) {
    if (!(s.gateway_namespace == ns && s.gateway_name == manifest::host_object_name(o.host))) {
      f.other_servers.push_back(s);
    }
  }
  return f;
}

}  // namespace grpcmesh::mesh
