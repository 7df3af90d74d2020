#include "core/mesh/change_set.hpp"

#include "core/mesh/ownership.hpp"

namespace grpcmesh::mesh {

std::vector<nlohmann::json> planned_objects(const ChangeSet& changes) {
  std::vector<nlohmann::json> out;
  for (const auto& c : changes.changes) {
    out.push_back(c.kind == Change::Kind::Apply ? c.object : release_configuration(c.object));
  }
  return out;
}

}  // namespace grpcmesh::mesh
