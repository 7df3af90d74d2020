#pragma once
// The current state read from manifests instead of a cluster (--local -f):
// the same ClusterState the live commands read through, so a command plans
// against a repository exactly what it would plan against a cluster holding
// those objects. Nothing is contacted.

#include <iosfwd>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/mesh/change_set.hpp"
#include "core/mesh/cluster_state.hpp"

namespace grpcmesh::mesh {

// One object of the files and where it was read.
struct LocalObject {
  nlohmann::json object;
  std::string origin;  // "file.yaml:12"
};

// What a change set does to the files' objects.
struct LocalResult {
  // Every object that changes, complete (as it is to be committed): the
  // files' objects in their order, then the new ones in the order planned.
  std::vector<nlohmann::json> objects;
  // The objects the change deletes, with where they are ("gateway.networking.istio.io/x in
  // istio-system (gateway.yaml:3)").
  std::vector<std::string> deleted;
};

class LocalState final : public ClusterState {
 public:
  // Reads manifests with the rules and errors of `check -f`
  // (check::manifest_files: files, directories recursively, "-" for `in`;
  // multi-document YAML, JSON, List kinds; `default_namespace` for
  // namespaced objects without one; a later object replaces a same-named
  // earlier one). `field_manager` is the manager the command applies with:
  // manifests record no field ownership, so an object labelled
  // app.kubernetes.io/managed-by: kubectl-grpcmesh is taken as wholly that
  // manager's, and one that carries a kubectl-grpcmesh/ annotation
  // otherwise as shared between it and the object's other owners.
  static LocalState load(const std::vector<std::string>& paths, std::istream& in,
                         const std::string& default_namespace, const std::string& field_manager);
  LocalState(std::vector<LocalObject> objects, std::string field_manager);

  std::string istio_api_version() override;
  bool serves(const kube::GroupKind& kind, const std::string& version) override;
  kube::ListResult list(const kube::GroupKind& kind, const kube::ListOptions& options) override;
  std::optional<nlohmann::json> get(const kube::GroupKind& kind, const std::string& namespace_name,
                                    const std::string& name) override;
  bool knows(const kube::GroupKind& kind) const override;
  std::string source() const override { return "the files"; }

  // Applies a change set to the objects as server-side apply would: an
  // apply configuration is merged into the object (maps key by key, a
  // Service's ports by port and protocol, other lists whole; on an object
  // wholly ours the sections it gives replace the old ones), a release of an
  // object wholly ours deletes it. Throws grpcmesh::Error for a release of
  // fields on an object shared with other owners, which manifests cannot
  // tell apart.
  LocalResult apply(const ChangeSet& changes) const;

  const std::vector<LocalObject>& objects() const { return objects_; }

 private:
  std::vector<LocalObject> objects_;  // with the synthesized managedFields
  std::string field_manager_;
};

// An apply configuration merged into `base` as LocalState::apply does.
nlohmann::json merge_applied(nlohmann::json base, const nlohmann::json& config, bool wholly_ours);

}  // namespace grpcmesh::mesh
