#include "core/check/live_loader.hpp"

#include <fmt/format.h>

#include <set>

#include "core/check/file_loader.hpp"
#include "core/check/mesh.hpp"

namespace grpcmesh::check {
namespace {

constexpr std::string_view kIstioNamespace = "istio-system";

class LiveReader {
 public:
  LiveReader(Snapshot& snapshot, kube::Client& client) : snapshot_(snapshot), client_(client) {}

  // Lists one kind in one namespace ("" = all) into the snapshot.
  void read(const KindInfo& kind, const std::string& namespace_name) {
    if (snapshot_.denied(kind.kind)) {
      return;
    }
    auto resource = client_.find(kube::GroupKind{std::string(kind.group), std::string(kind.name)});
    if (!resource) {
      snapshot_.mark_unreadable(kind.kind, fmt::format("the server doesn't have a resource type \"{}\"",
                                                       kind.group.empty() ? std::string(kind.resource)
                                                                          : fmt::format("{}.{}", kind.resource, kind.group)));
      return;
    }
    kube::ListOptions options;
    options.namespace_name = namespace_name;
    kube::ListResult listed = client_.list(*resource, options);
    if (listed.forbidden) {
      snapshot_.mark_unreadable(kind.kind, fmt::format("forbidden: {}", listed.message));
      return;
    }
    for (const auto& item : listed.items) {
      add_object(snapshot_, item, "", namespace_name);
    }
    snapshot_.mark_readable(kind.kind);
  }

 private:
  Snapshot& snapshot_;
  kube::Client& client_;
};

// Namespaces the routes of `namespace_name` depend on.
std::set<std::string> reached_namespaces(const Snapshot& snapshot, const std::string& namespace_name) {
  std::set<std::string> out{std::string(kIstioNamespace)};
  for (const Resource& vs : snapshot.list(Kind::VirtualService)) {
    for (const auto& g : mesh::gateway_refs(vs)) {
      out.insert(g.namespace_name);
    }
    for (const auto& d : mesh::destinations(vs)) {
      if (auto s = mesh::service_for_host(d.host, vs.namespace_name)) {
        out.insert(s->namespace_name);
      }
    }
  }
  out.erase(namespace_name);
  return out;
}

}  // namespace

void load_live(Snapshot& snapshot, kube::Client& client, const Options& options) {
  LiveReader reader(snapshot, client);
  if (options.all_namespaces) {
    for (const KindInfo& kind : known_kinds()) {
      reader.read(kind, "");
    }
    return;
  }
  for (const KindInfo& kind : known_kinds()) {
    reader.read(kind, options.namespace_name);
  }
  for (const std::string& ns : reached_namespaces(snapshot, options.namespace_name)) {
    for (const KindInfo& kind : known_kinds()) {
      if (kind.kind != Kind::VirtualService && kind.kind != Kind::DestinationRule) {
        reader.read(kind, ns);
      }
    }
  }
}

}  // namespace grpcmesh::check
