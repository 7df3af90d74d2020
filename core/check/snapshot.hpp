#pragma once

#include <map>
#include <span>
#include <string>
#include <tuple>
#include <vector>

#include "core/check/resource.hpp"

namespace grpcmesh::check {

// A document the snapshot does not analyse (another kind, or another API
// group), remembered so the report can say it was ignored.
struct IgnoredObject {
  std::string api_version;
  std::string kind;
  std::string namespace_name;
  std::string name;
  std::string origin;
};

// Everything `check` looks at: the objects of each known kind and, per kind,
// whether it could be read at all. A kind nobody could read (RBAC 403, not
// served, absent from the files) is "unreadable" and every analyzer needing it
// is skipped. Files and a live cluster fill the same snapshot; adding an object
// that is already there (same kind, namespace, name) replaces it, which is how
// files are overlaid on the cluster.
class Snapshot {
 public:
  // Adds or replaces an object and marks its kind readable.
  void add(Resource resource);
  // An object the API server would refuse (its apiVersion is not served for
  // its kind). Kept apart so only validation sees it.
  void add_rejected(Resource resource);
  void add_ignored(IgnoredObject object);

  void mark_readable(Kind kind);
  // The source refused the kind (403) or does not serve it: it stays
  // unreadable even if some objects of it were read (e.g. from one namespace
  // but not another), so no analyzer judges it on partial data.
  void mark_unreadable(Kind kind, std::string reason);

  bool readable(Kind kind) const;
  // Unreadable because the source refused or lacks it (403, not served), as
  // opposed to merely absent from the files.
  bool denied(Kind kind) const;
  // Why a kind is unreadable ("forbidden: ...", "no Secret in the input").
  std::string unreadable_reason(Kind kind) const;

  std::span<const Resource> list(Kind kind) const;
  std::span<const Resource> rejected(Kind kind) const;
  std::span<const IgnoredObject> ignored() const { return ignored_; }
  const Resource* find(Kind kind, const std::string& namespace_name, const std::string& name) const;
  size_t size() const;

 private:
  using Key = std::tuple<Kind, std::string, std::string>;
  std::map<Kind, std::vector<Resource>> objects_;
  std::map<Key, size_t> index_;
  std::map<Kind, std::vector<Resource>> rejected_;
  std::vector<IgnoredObject> ignored_;
  std::map<Kind, std::string> unreadable_;  // kind -> reason the source gave
  std::map<Kind, bool> readable_;
};

}  // namespace grpcmesh::check
