#pragma once

#include <array>
#include <deque>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
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

// The objects of one kind, in the order they were added (stable addresses).
using Objects = std::deque<Resource>;

// Objects decoded apart from a snapshot (by a thread reading one file), in
// the order they were decoded, for the snapshot to take in that order.
struct StagedObjects {
  struct Entry {
    Resource resource;
    bool rejected = false;  // for add_rejected rather than add
  };
  std::deque<Entry> resources;  // (a deque: growing it never copies)
  std::vector<IgnoredObject> ignored;
};

// Everything `check` looks at: the objects of each known kind and, per kind,
// whether it could be read at all. A kind nobody could read (RBAC 403, not
// served, absent from the files) is "unreadable" and every analyzer needing it
// is skipped. Files and a live cluster fill the same snapshot; adding an object
// that is already there (same kind, namespace, name) replaces it, which is how
// files are overlaid on the cluster.
class Snapshot {
 public:
  Snapshot() = default;
  Snapshot(const Snapshot&) = delete;
  Snapshot& operator=(const Snapshot&) = delete;
  Snapshot(Snapshot&&) = default;
  Snapshot& operator=(Snapshot&&) = default;

  // Adds or replaces an object and marks its kind readable.
  void add(Resource resource);
  // An object the API server would refuse (its apiVersion is not served for
  // its kind). Kept apart so only validation sees it.
  void add_rejected(Resource resource);
  void add_ignored(IgnoredObject object);
  // Adds staged objects as add(), add_rejected() and add_ignored() would have
  // in the order they were staged.
  void take(StagedObjects&& staged);

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

  const Objects& list(Kind kind) const { return objects_[slot(kind)]; }
  const Objects& rejected(Kind kind) const { return rejected_[slot(kind)]; }
  const std::vector<IgnoredObject>& ignored() const { return ignored_; }
  const Resource* find(Kind kind, std::string_view namespace_name, std::string_view name) const;
  size_t size() const;

  // Objects of `kind` whose metadata.labels (or, with `selector`, whose
  // spec.selector) has key=value, in the order they were added. Indexed on
  // first use, so finding the pods a Gateway selects does not scan every Pod.
  std::vector<const Resource*> labelled(Kind kind, std::string_view key, std::string_view value,
                                        bool selector = false) const;

 private:
  static size_t slot(Kind kind) { return static_cast<size_t>(kind); }
  // The index of the object's slot in index_, or of the empty slot where it goes.
  size_t probe(Kind kind, std::string_view namespace_name, std::string_view name) const;
  void grow();
  // (hash of "key=value", object) for every label, sorted: 16 bytes a label.
  using LabelIndex = std::vector<std::pair<size_t, const Resource*>>;
  void invalidate_label_indexes(Kind kind);

  std::array<Objects, kKindCount> objects_;
  // Every object by (kind, namespace, name): open addressing over a power of
  // two slots, at most half full (8 bytes an object, no node per entry).
  std::vector<Resource*> index_;
  size_t indexed_ = 0;
  std::array<Objects, kKindCount> rejected_;
  std::vector<IgnoredObject> ignored_;
  std::map<Kind, std::string> unreadable_;  // kind -> reason the source gave
  std::array<bool, kKindCount> readable_{};
  mutable std::array<std::unique_ptr<LabelIndex>, kKindCount * 2> label_indexes_;
};

}  // namespace grpcmesh::check
