#include "core/mesh/ownership.hpp"

#include <algorithm>

namespace grpcmesh::mesh {

std::vector<std::string> field_managers(const nlohmann::json& object) {
  std::vector<std::string> out;
  for (const auto& entry : object.value("/metadata/managedFields"_json_pointer, nlohmann::json::array())) {
    const std::string m = entry.value("manager", "");
    if (std::find(out.begin(), out.end(), m) == out.end()) {
      out.push_back(m);
    }
  }
  return out;
}

bool others_own_fields(const nlohmann::json& object, const std::string& manager) {
  for (const auto& entry : object.value("/metadata/managedFields"_json_pointer, nlohmann::json::array())) {
    if (entry.value("manager", "") == manager || entry.value("subresource", "") == "status") {
      continue;
    }
    const nlohmann::json fields = entry.value("fieldsV1", nlohmann::json::object());
    for (auto it = fields.begin(); it != fields.end(); ++it) {
      if (it.key() != "f:status") {
        return true;
      }
    }
  }
  return false;
}

nlohmann::json release_configuration(const nlohmann::json& object) {
  nlohmann::json meta = {{"name", object.value("/metadata/name"_json_pointer, std::string())}};
  if (object.contains("/metadata/namespace"_json_pointer)) {
    meta["namespace"] = object["metadata"]["namespace"];
  }
  return {{"apiVersion", object.value("apiVersion", "")}, {"kind", object.value("kind", "")}, {"metadata", meta}};
}

}  // namespace grpcmesh::mesh
