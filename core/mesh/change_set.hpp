#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace grpcmesh::mesh {

// One change a command makes to one object.
struct Change {
  enum class Kind {
    Apply,    // server-side apply `object` (an apply configuration) with our field manager
    Release,  // give up every field our manager owns on the live `object`:
              // delete it when no other manager owns fields, else apply an
              // empty configuration so the server drops only our fields
  };
  Kind kind = Kind::Apply;
  nlohmann::json object;
};

// What a command wants to do, computed purely from its options and the
// cluster facts it read: the changes in order, plus the human summary.
struct ChangeSet {
  std::vector<Change> changes;
  std::vector<std::string> notes;     // printed to stderr after a successful run
  std::vector<std::string> warnings;  // printed to stderr as "Warning: ..."
};

// The planned objects as -o would show them (Release changes show the
// minimal configuration that is applied, or nothing when deleted).
std::vector<nlohmann::json> planned_objects(const ChangeSet& changes);

}  // namespace grpcmesh::mesh
