#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace grpcmesh::mesh {

// The field managers recorded in an object's metadata.managedFields.
std::vector<std::string> field_managers(const nlohmann::json& object);

// Does any manager other than `manager` own a field outside status? When
// not, removing what `manager` applied means deleting the object.
bool others_own_fields(const nlohmann::json& object, const std::string& manager);

// The minimal apply configuration (apiVersion, kind, name, namespace) that,
// applied by `manager`, releases every field it owned on `object`.
nlohmann::json release_configuration(const nlohmann::json& object);

}  // namespace grpcmesh::mesh
