#include "core/check/live_loader.hpp"

#include <fmt/format.h>

#include <memory>
#include <set>

#include "core/check/decoder.hpp"
#include "core/check/mesh.hpp"

namespace grpcmesh::check {
namespace {

constexpr std::string_view kIstioNamespace = "istio-system";
// Items per page: one page per kind is in memory at a time (a page of 500
// Pods is about 1 MiB); smaller pages only cost more round trips.
constexpr int kPageSize = 500;

class LiveReader {
 public:
  LiveReader(Snapshot& snapshot, kube::Client& client) : snapshot_(snapshot), client_(client), decoder_(snapshot, "") {}

  // Lists the kinds in the namespaces ("" = all) into the snapshot: every
  // (kind, namespace) at once, page by page, each page decoded as it arrives.
  void read(const std::vector<const KindInfo*>& kinds, const std::set<std::string>& namespaces) {
    std::vector<kube::ListCall> calls;
    std::vector<Kind> call_kinds;
    std::vector<std::unique_ptr<ObjectReader>> readers;
    for (const KindInfo* kind : kinds) {
      if (snapshot_.denied(kind->kind)) {
        continue;
      }
      auto resource = client_.find(kube::GroupKind{std::string(kind->group), std::string(kind->name)});
      if (!resource && (kind->group == "cert-manager.io" || kind->group == kGatewayApiGroup)) {
        // cert-manager and the Gateway API are optional: not installed means
        // no Certificates, no Gateway API Gateways or routes.
        snapshot_.mark_readable(kind->kind);
        continue;
      }
      if (!resource) {
        snapshot_.mark_unreadable(
            kind->kind, fmt::format("the server doesn't have a resource type \"{}\"",
                                    kind->group.empty() ? std::string(kind->resource)
                                                        : fmt::format("{}.{}", kind->resource, kind->group)));
        continue;
      }
      for (const std::string& ns : namespaces) {
        kube::ListOptions options;
        options.namespace_name = ns;
        options.page_size = kPageSize;
        calls.push_back({*resource, options});
        call_kinds.push_back(kind->kind);
        readers.push_back(std::make_unique<ObjectReader>(decoder_, ""));
        readers.back()->set_item_type(resource->api_version(), resource->kind);
      }
    }
    std::vector<kube::ListResult> results =
        client_.list_pages(calls, [&](size_t i, std::string&& body) {
          readers[i]->feed_json(body);
          return std::string(readers[i]->last_document().root()["metadata"]["continue"].str());
        });
    for (size_t i = 0; i < results.size(); ++i) {
      if (results[i].forbidden) {
        snapshot_.mark_unreadable(call_kinds[i], fmt::format("forbidden: {}", results[i].message));
      } else {
        snapshot_.mark_readable(call_kinds[i]);
      }
    }
  }

 private:
  Snapshot& snapshot_;
  kube::Client& client_;
  Decoder decoder_;
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
  // Gateway API routes reach their parent Gateways and their backends, and
  // Gateways the Secrets of their listeners (a namespace of their own, or
  // another one through a ReferenceGrant).
  for (Kind route : {Kind::GRPCRoute, Kind::HTTPRoute}) {
    for (const Resource& r : snapshot.list(route)) {
      for (Node ref : r.spec()["parentRefs"]) {
        if (!ref["namespace"].str().empty()) {
          out.insert(std::string(ref["namespace"].str()));
        }
      }
      for (Node rule : r.spec()["rules"]) {
        for (Node ref : rule["backendRefs"]) {
          if (!ref["namespace"].str().empty()) {
            out.insert(std::string(ref["namespace"].str()));
          }
        }
      }
    }
  }
  for (const Resource& gw : snapshot.list(Kind::KubeGateway)) {
    for (Node l : gw.spec()["listeners"]) {
      for (Node ref : l["tls"]["certificateRefs"]) {
        if (!ref["namespace"].str().empty()) {
          out.insert(std::string(ref["namespace"].str()));
        }
      }
    }
  }
  out.erase(namespace_name);
  return out;
}

}  // namespace

void load_live(Snapshot& snapshot, kube::Client& client, const Options& options) {
  LiveReader reader(snapshot, client);
  std::vector<const KindInfo*> all;
  std::vector<const KindInfo*> around;  // what the routes of one namespace reach elsewhere
  for (const KindInfo& kind : known_kinds()) {
    all.push_back(&kind);
    if (kind.kind != Kind::VirtualService && kind.kind != Kind::DestinationRule) {
      around.push_back(&kind);
    }
  }
  if (options.all_namespaces) {
    reader.read(all, {""});
    return;
  }
  reader.read(all, {options.namespace_name});
  std::set<std::string> reached = reached_namespaces(snapshot, options.namespace_name);
  if (!reached.empty()) {
    reader.read(around, reached);
  }
}

}  // namespace grpcmesh::check
