#include "core/check/snapshot.hpp"

#include <fmt/format.h>

namespace grpcmesh::check {

void Snapshot::add(Resource resource) {
  Key key{resource.kind, resource.namespace_name, resource.name};
  mark_readable(resource.kind);
  auto& list = objects_[resource.kind];
  if (auto it = index_.find(key); it != index_.end()) {
    list[it->second] = std::move(resource);
    return;
  }
  index_.emplace(std::move(key), list.size());
  list.push_back(std::move(resource));
}

void Snapshot::add_rejected(Resource resource) { rejected_[resource.kind].push_back(std::move(resource)); }

void Snapshot::add_ignored(IgnoredObject object) { ignored_.push_back(std::move(object)); }

void Snapshot::mark_readable(Kind kind) {
  if (!unreadable_.count(kind)) {
    readable_[kind] = true;
  }
}

void Snapshot::mark_unreadable(Kind kind, std::string reason) {
  readable_[kind] = false;
  unreadable_.emplace(kind, std::move(reason));
}

bool Snapshot::readable(Kind kind) const {
  auto it = readable_.find(kind);
  return it != readable_.end() && it->second;
}

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

std::span<const Resource> Snapshot::list(Kind kind) const {
  auto it = objects_.find(kind);
  if (it == objects_.end()) {
    return {};
  }
  return it->second;
}

std::span<const Resource> Snapshot::rejected(Kind kind) const {
  auto it = rejected_.find(kind);
  if (it == rejected_.end()) {
    return {};
  }
  return it->second;
}

const Resource* Snapshot::find(Kind kind, const std::string& namespace_name, const std::string& name) const {
  auto it = index_.find(Key{kind, namespace_name, name});
  if (it == index_.end()) {
    return nullptr;
  }
  return &objects_.at(kind)[it->second];
}

size_t Snapshot::size() const {
  size_t n = 0;
  for (const auto& [kind, list] : objects_) {
    n += list.size();
  }
  return n;
}

}  // namespace grpcmesh::check
