#include "core/mesh/cluster_state.hpp"

#include "core/util/error.hpp"

namespace grpcmesh::mesh {

std::string LiveState::istio_api_version() {
  auto version = client_.first_served_version("networking.istio.io", {"v1", "v1beta1"});
  if (!version) {
    throw Error("Istio is not installed: the API server does not serve networking.istio.io (v1 or v1beta1); "
                "install Istio first (istioctl install) or check --context");
  }
  return "networking.istio.io/" + *version;
}

bool LiveState::serves(const kube::GroupKind& kind, const std::string& version) {
  return client_.find(kind, version).has_value();
}

kube::ListResult LiveState::list(const kube::GroupKind& kind, const kube::ListOptions& options) {
  return client_.list(client_.resolve(kind), options);
}

std::optional<nlohmann::json> LiveState::get(const kube::GroupKind& kind, const std::string& namespace_name,
                                             const std::string& name) {
  return client_.get(client_.resolve(kind), namespace_name, name);
}

}  // namespace grpcmesh::mesh
