#include "core/mesh/execute.hpp"

#include <fmt/format.h>

#include <ostream>

#include "core/kube/api_error.hpp"
#include "core/kube/resource.hpp"
#include "core/mesh/ownership.hpp"
#include "core/util/error.hpp"

namespace grpcmesh::mesh {
namespace {

std::string ns_of(const nlohmann::json& object) {
  return object.value("/metadata/namespace"_json_pointer, std::string());
}

std::string name_of(const nlohmann::json& object) { return object.value("/metadata/name"_json_pointer, std::string()); }

kube::ApiResource resource_of(kube::Client& client, const nlohmann::json& object) {
  auto [group, version] = kube::split_api_version(object.value("apiVersion", ""));
  (void)version;
  return client.resolve(kube::GroupKind{group, object.value("kind", "")});
}

// One server-side apply (or server dry run of it); throws on refusal.
Outcome apply_one(kube::Client& client, const nlohmann::json& object, kube::ApplyOptions options) {
  kube::ApplyReport report = kube::apply(client, {object}, options);
  if (report.results.empty()) {
    throw Error("internal: apply returned no result for " + kube::name_ref(object));
  }
  const kube::ApplyResult& r = report.results.front();
  if (r.action == kube::ApplyAction::Failed) {
    throw Error(r.error);
  }
  return Outcome{r.name_ref, r.namespace_name, kube::to_string(r.action), r.object};
}

Outcome release_one(kube::Client& client, const nlohmann::json& live, const kube::ApplyOptions& options) {
  const std::string ref = kube::name_ref(live);
  const auto managers = field_managers(live);
  if (std::find(managers.begin(), managers.end(), options.field_manager) == managers.end()) {
    return Outcome{ref, ns_of(live), "unchanged", live};
  }
  if (others_own_fields(live, options.field_manager)) {
    kube::ApplyOptions release = options;
    release.force_conflicts = false;
    Outcome o = apply_one(client, release_configuration(live), release);
    o.action = "released";
    return o;
  }
  const kube::ApiResource resource = resource_of(client, live);
  kube::Request req;
  req.method = "DELETE";
  req.path = resource.path(ns_of(live), name_of(live));
  req.verb = "delete";
  req.resource = resource.qualified_resource();
  req.name = name_of(live);
  req.namespace_name = ns_of(live);
  req.idempotent = false;
  // Only delete the version we looked at: a concurrent change by someone
  // else makes the server refuse (409) instead of losing their change.
  nlohmann::json preconditions = {{"kind", "DeleteOptions"}, {"apiVersion", "v1"}};
  const std::string rv = live.value("/metadata/resourceVersion"_json_pointer, std::string());
  if (!rv.empty()) {
    preconditions["preconditions"] = {{"resourceVersion", rv}};
  }
  if (options.dry_run == kube::DryRun::Server) {
    // With a body the API server reads DeleteOptions from it and ignores the
    // query, so the dry run must be in the body too or the delete is real.
    preconditions["dryRun"] = nlohmann::json::array({"All"});
  }
  req.content_type = "application/json";
  req.body = preconditions.dump();
  client.request(req);
  return Outcome{ref, ns_of(live), "deleted", live};
}

std::string dry_run_suffix(kube::DryRun d) {
  switch (d) {
    case kube::DryRun::Client: return " (dry run)";
    case kube::DryRun::Server: return " (server dry run)";
    case kube::DryRun::None: break;
  }
  return "";
}

}  // namespace

std::vector<Outcome> execute(kube::Client* client, const ChangeSet& changes, const kube::ApplyOptions& apply,
                             const kube::PrintOptions& print, Streams& streams) {
  std::vector<Outcome> outcomes;
  if (apply.dry_run == kube::DryRun::Client) {
    for (const auto& c : changes.changes) {
      const bool release = c.kind == Change::Kind::Release;
      const nlohmann::json shown = release ? release_configuration(c.object) : c.object;
      outcomes.push_back(Outcome{kube::name_ref(shown), ns_of(shown), release ? "released" : "configured", shown});
    }
  } else {
    if (client == nullptr) {
      throw Error("internal: no cluster client for a live change");
    }
    // Rehearse everything first: nothing changes unless every object passes.
    if (apply.dry_run == kube::DryRun::None) {
      kube::ApplyOptions rehearsal = apply;
      rehearsal.dry_run = kube::DryRun::Server;
      for (const auto& c : changes.changes) {
        if (c.kind == Change::Kind::Apply) {
          apply_one(*client, c.object, rehearsal);
        } else {
          release_one(*client, c.object, rehearsal);
        }
      }
    }
    for (const auto& c : changes.changes) {
      outcomes.push_back(c.kind == Change::Kind::Apply ? apply_one(*client, c.object, apply)
                                                       : release_one(*client, c.object, apply));
    }
  }

  if (print.format == kube::OutputFormat::Default) {
    for (const auto& o : outcomes) {
      streams.out << o.name_ref << ' ' << o.action << dry_run_suffix(apply.dry_run) << '\n';
    }
  } else {
    std::vector<nlohmann::json> objects;
    for (const auto& o : outcomes) {
      if (o.action != "deleted" || print.format == kube::OutputFormat::Name) {
        objects.push_back(o.object);
      }
    }
    kube::print_objects(streams.out, objects, print);
  }
  for (const auto& w : changes.warnings) {
    streams.err << "Warning: " << w << '\n';
  }
  for (const auto& n : changes.notes) {
    streams.err << n << '\n';
  }
  return outcomes;
}

}  // namespace grpcmesh::mesh
