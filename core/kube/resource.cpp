#include "core/kube/resource.hpp"

#include <string>

namespace grpcmesh::kube {

std::string ApiResource::api_version() const { return group.empty() ? version : group + "/" + version; }

std::string ApiResource::qualified_resource() const { return group.empty() ? resource : resource + "." + group; }

std::string ApiResource::path(std::string_view namespace_name, std::string_view name) const {
  std::string p = group.empty() ? "/api/" + version : "/apis/" + group + "/" + version;
  if (namespaced && !namespace_name.empty()) {
    p += "/namespaces/";
    p += namespace_name;
  }
  p += "/" + resource;
  if (!name.empty()) {
    p += "/";
    p += name;
  }
  return p;
}

std::pair<std::string, std::string> split_api_version(std::string_view api_version) {
  auto slash = api_version.find('/');
  if (slash == std::string_view::npos) {
    return {"", std::string(api_version)};
  }
  return {std::string(api_version.substr(0, slash)), std::string(api_version.substr(slash + 1))};
}

}  // namespace grpcmesh::kube
