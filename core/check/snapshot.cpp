#include "core/check/snapshot.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <functional>

namespace grpcmesh::check {

size_t Snapshot::probe(Kind kind, std::string_view namespace_name, std::string_view name) const {
  size_t h = std::hash<std::string_view>()(name);
  h ^= std::hash<std::string_view>()(namespace_name) + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
  h ^= static_cast<size_t>(kind) * 0x100000001b3ULL;
  size_t mask = index_.size() - 1;
  for (size_t i = h & mask;; i = (i + 1) & mask) {
    const Resource* r = index_[i];
    if (r == nullptr || (r->kind == kind && r->name == name && r->namespace_name == namespace_name)) {
      return i;
    }
  }
}

void Snapshot::grow() {
  std::vector<Resource*> old = std::move(index_);
  index_.assign(old.empty() ? 64 : old.size() * 2, nullptr);
  for (Resource* r : old) {
    if (r != nullptr) {
      index_[probe(r->kind, r->namespace_name, r->name)] = r;
    }
  }
}

void Snapshot::add(Resource resource) {
  Kind kind = resource.kind;
  mark_readable(kind);
  invalidate_label_indexes(kind);
  if ((indexed_ + 1) * 2 > index_.size()) {
    grow();
  }
  size_t i = probe(kind, resource.namespace_name, resource.name);
  if (index_[i] != nullptr) {
    *index_[i] = std::move(resource);  // same kind, namespace and name: replaced
    return;
  }
  index_[i] = &objects_[slot(kind)].emplace_back(std::move(resource));
  ++indexed_;
}

void Snapshot::add_rejected(Resource resource) { rejected_[slot(resource.kind)].push_back(std::move(resource)); }

void Snapshot::add_ignored(IgnoredObject object) { ignored_.push_back(std::move(object)); }

void Snapshot::take(StagedObjects&& staged) {
  for (StagedObjects::Entry& e : staged.resources) {
    if (e.rejected) {
      add_rejected(std::move(e.resource));
    } else {
      add(std::move(e.resource));
    }
  }
  for (IgnoredObject& o : staged.ignored) {
    add_ignored(std::move(o));
  }
  staged = {};
}

void Snapshot::mark_readable(Kind kind) {
  if (!unreadable_.count(kind)) {
    readable_[slot(kind)] = true;
  }
}

void Snapshot::mark_unreadable(Kind kind, std::string reason) {
  readable_[slot(kind)] = false;
  unreadable_.emplace(kind, std::move(reason));
}

bool Snapshot::readable(Kind kind) const { return readable_[slot(kind)]; }

bool Snapshot::denied(Kind kind) const { return unreadable_.count(kind) > 0; }

std::string Snapshot::unreadable_reason(Kind kind) const {
  if (readable(kind)) {
    return {};
  }
  if (auto it = unreadable_.find(kind); it != unreadable_.end()) {
    return it->second;
  }
  return fmt::format("no {} in the input", kind_name(kind));
}

const Resource* Snapshot::find(Kind kind, std::string_view namespace_name, std::string_view name) const {
  return index_.empty() ? nullptr : index_[probe(kind, namespace_name, name)];
}

size_t Snapshot::size() const {
  size_t n = 0;
  for (const Objects& list : objects_) {
    n += list.size();
  }
  return n;
}

void Snapshot::invalidate_label_indexes(Kind kind) {
  label_indexes_[slot(kind) * 2].reset();
  label_indexes_[slot(kind) * 2 + 1].reset();
}

namespace {

size_t label_hash(std::string_view key, std::string_view value) {
  size_t h = std::hash<std::string_view>()(key);
  return h ^ (std::hash<std::string_view>()(value) + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2));
}

}  // namespace

std::vector<const Resource*> Snapshot::labelled(Kind kind, std::string_view key, std::string_view value,
                                                bool selector) const {
  auto labels_of = [selector](const Resource& r) { return selector ? r.spec()["selector"] : r.labels(); };
  auto& index = label_indexes_[slot(kind) * 2 + (selector ? 1 : 0)];
  if (!index) {
    index = std::make_unique<LabelIndex>();
    for (const Resource& r : list(kind)) {
      for (const Member& m : labels_of(r).items()) {
        if (m.value.is_string()) {
          index->emplace_back(label_hash(m.key, m.value.str()), &r);
        }
      }
    }
    // by hash, then in the order the objects were added
    std::stable_sort(index->begin(), index->end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    index->shrink_to_fit();
  }
  std::vector<const Resource*> out;
  size_t h = label_hash(key, value);
  auto first = std::lower_bound(index->begin(), index->end(), std::make_pair(h, static_cast<const Resource*>(nullptr)),
                                [](const auto& a, const auto& b) { return a.first < b.first; });
  for (auto it = first; it != index->end() && it->first == h; ++it) {
    // (the hash may be another label's: compare the label itself)
    if (labels_of(*it->second)[key] == value && (out.empty() || out.back() != it->second)) {
      out.push_back(it->second);
    }
  }
  return out;
}

}  // namespace grpcmesh::check
