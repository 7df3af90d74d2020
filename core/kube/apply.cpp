#include "core/kube/apply.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <tuple>

#include "core/kube/api_error.hpp"
#include "core/kube/printer.hpp"
#include "core/util/error.hpp"

namespace grpcmesh::kube {
namespace {

using nlohmann::json;

// Lower ranks are applied first: what others refer to comes before them.
int rank(const json& object) {
  static const std::map<std::string, int, std::less<>> kRanks = {
      {"Namespace", 0},      {"CustomResourceDefinition", 1}, {"ServiceAccount", 2}, {"Secret", 3},
      {"ConfigMap", 3},      {"Service", 4},                  {"Deployment", 5},     {"Gateway", 6},
      {"VirtualService", 7}, {"DestinationRule", 7},          {"GRPCRoute", 7},      {"HTTPRoute", 7},
      {"EnvoyFilter", 8},
  };
  auto it = kRanks.find(object.value("kind", std::string{}));
  return it == kRanks.end() ? 9 : it->second;
}

const std::string& meta_string(const json& object, const char* field) {
  static const std::string kEmpty;
  if (!object.contains("metadata") || !object["metadata"].is_object()) {
    return kEmpty;
  }
  const json& m = object["metadata"];
  if (!m.contains(field) || !m[field].is_string()) {
    return kEmpty;
  }
  return m[field].get_ref<const std::string&>();
}

// The object without the fields the server rewrites on every write.
json comparable(json object) {
  if (object.contains("metadata") && object["metadata"].is_object()) {
    object["metadata"].erase("managedFields");
    object["metadata"].erase("resourceVersion");
  }
  return object;
}

struct Planned {
  json object;
  ApiResource resource;
  std::string namespace_name;
};

Planned plan(Client& client, json object, size_t index) {
  if (!object.is_object()) {
    throw Error(fmt::format("object {} is not a mapping; each document must be a Kubernetes object", index + 1));
  }
  std::string api_version = object.value("apiVersion", std::string{});
  std::string kind = object.value("kind", std::string{});
  const std::string& name = meta_string(object, "name");
  if (api_version.empty() || kind.empty()) {
    throw Error(fmt::format("object {} has no {}; set apiVersion and kind on every object", index + 1,
                            api_version.empty() ? "apiVersion" : "kind"));
  }
  if (name.empty()) {
    throw Error(fmt::format("{} (object {}) has no metadata.name; set a name", kind, index + 1));
  }
  auto [group, version] = split_api_version(api_version);
  auto resource = client.find(GroupKind{group, kind}, version);
  if (!resource) {
    throw Error(fmt::format("no matches for kind \"{}\" in version \"{}\" (object \"{}\"); ensure CRDs are installed first",
                            kind, api_version, name));
  }
  Planned p{std::move(object), *resource, {}};
  if (resource->namespaced) {
    const RestConfig& config = client.config();
    std::string ns = meta_string(p.object, "namespace");
    if (ns.empty()) {
      ns = config.namespace_name;
      p.object["metadata"]["namespace"] = ns;
    } else if (config.namespace_explicit && ns != config.namespace_name) {
      throw Error(fmt::format(
          "the namespace from the provided object \"{}\" does not match the namespace \"{}\". You must pass "
          "'--namespace={}' to perform this operation.",
          ns, config.namespace_name, ns));
    }
    p.namespace_name = ns;
  } else if (p.object["metadata"].contains("namespace")) {
    p.object["metadata"].erase("namespace");
  }
  return p;
}

Request get_request(const ApiResource& resource, const std::string& ns, const std::string& name) {
  Request r;
  r.path = resource.path(ns, name);
  r.verb = "get";
  r.resource = resource.qualified_resource();
  r.name = name;
  r.namespace_name = resource.namespaced ? ns : "";
  return r;
}

// The fingerprint of the object as it is now; nothing when absent or when
// reading it is forbidden (the apply itself then says what the user may not do).
std::optional<std::string> existing(Client& client, const Request& request, const Response& response) {
  if (response.status == 404 || response.status == 403) {
    return std::nullopt;
  }
  if (response.status / 100 != 2) {
    throw Error(render_api_error(response, request, client.config().user_name));
  }
  return apply_fingerprint(response.json());
}

// The fingerprints of the objects as they are now, fetched with one list per
// (resource, namespace) when several objects share them, else one get each.
std::vector<std::optional<std::string>> fetch_before(Client& client, const std::vector<Planned>& planned) {
  constexpr size_t kListThreshold = 8;
  std::map<std::pair<std::string, std::string>, std::vector<size_t>> groups;
  for (size_t i = 0; i < planned.size(); ++i) {
    groups[{planned[i].resource.path(planned[i].namespace_name), planned[i].namespace_name}].push_back(i);
  }
  std::vector<std::optional<std::string>> before(planned.size());
  for (const auto& [key, indices] : groups) {
    const ApiResource& resource = planned[indices.front()].resource;
    if (indices.size() >= kListThreshold) {
      std::map<std::string_view, std::vector<size_t>, std::less<>> wanted;  // name -> indices in planned
      for (size_t i : indices) {
        wanted[meta_string(planned[i].object, "name")].push_back(i);
      }
      ListOptions options;
      options.namespace_name = key.second;
      // Each listed object is reduced to its fingerprint as it is read.
      ListResult listed = client.list_each(resource, options, [&](json&& item) {
        auto it = wanted.find(meta_string(item, "name"));
        if (it != wanted.end()) {
          for (size_t i : it->second) {
            before[i] = apply_fingerprint(item);
          }
        }
      });
      if (!listed.forbidden) {
        continue;
      }
    }
    std::vector<Request> gets;
    for (size_t i : indices) {
      gets.push_back(get_request(resource, planned[i].namespace_name, meta_string(planned[i].object, "name")));
    }
    std::vector<Response> responses = client.send_all(gets);
    for (size_t k = 0; k < indices.size(); ++k) {
      before[indices[k]] = existing(client, gets[k], responses[k]);
    }
  }
  return before;
}

}  // namespace

std::string to_string(ApplyAction action) {
  switch (action) {
    case ApplyAction::Created:
      return "created";
    case ApplyAction::Configured:
      return "configured";
    case ApplyAction::Unchanged:
      return "unchanged";
    case ApplyAction::Failed:
      return "failed";
    case ApplyAction::NotApplied:
      return "not applied";
  }
  return "unknown";
}

bool ApplyReport::ok() const {
  return std::none_of(results.begin(), results.end(), [](const ApplyResult& r) {
    return r.action == ApplyAction::Failed || r.action == ApplyAction::NotApplied;
  });
}

std::vector<json> order_for_apply(std::vector<json> objects) {
  std::stable_sort(objects.begin(), objects.end(), [](const json& a, const json& b) { return rank(a) < rank(b); });
  return objects;
}

std::string apply_fingerprint(const json& object) { return comparable(object).dump(); }

ApplyAction classify_apply(long http_status, const std::optional<std::string>& before, const json& after) {
  if (http_status == 201 || !before) {
    return ApplyAction::Created;
  }
  return *before == apply_fingerprint(after) ? ApplyAction::Unchanged : ApplyAction::Configured;
}

namespace {

Request apply_request(const Planned& p, const ApplyOptions& options) {
  Request req;
  req.method = "PATCH";
  req.path = p.resource.path(p.namespace_name, meta_string(p.object, "name"));
  req.query.emplace_back("fieldManager", options.field_manager);
  req.query.emplace_back("fieldValidation", "Strict");
  if (options.force_conflicts) {
    req.query.emplace_back("force", "true");
  }
  if (options.dry_run == DryRun::Server) {
    req.query.emplace_back("dryRun", "All");
  }
  req.content_type = "application/apply-patch+yaml";
  req.body = p.object.dump();
  req.verb = "patch";
  req.resource = p.resource.qualified_resource();
  req.name = meta_string(p.object, "name");
  req.namespace_name = p.namespace_name;
  req.idempotent = true;  // an apply of the same object is the same request
  return req;
}

}  // namespace

ApplyReport apply(Client& client, std::vector<json> objects, const ApplyOptions& options) {
  // Validated in the order given (messages count objects as the user wrote
  // them), then put in dependency order.
  std::vector<Planned> planned;
  planned.reserve(objects.size());
  for (size_t i = 0; i < objects.size(); ++i) {
    planned.push_back(plan(client, std::move(objects[i]), i));
  }
  std::stable_sort(planned.begin(), planned.end(),
                   [](const Planned& a, const Planned& b) { return rank(a.object) < rank(b.object); });
  ApplyReport report;
  report.dry_run = options.dry_run;
  report.results.resize(planned.size());
  std::vector<std::optional<std::string>> before = fetch_before(client, planned);
  bool failed = false;
  // Objects of one dependency tier go out together; a tier starts only when
  // everything before it was applied.
  for (size_t tier_start = 0; tier_start < planned.size();) {
    size_t tier_end = tier_start;
    while (tier_end < planned.size() && rank(planned[tier_end].object) == rank(planned[tier_start].object)) {
      ++tier_end;
    }
    std::vector<Request> requests;
    for (size_t i = tier_start; i < tier_end; ++i) {
      ApplyResult& r = report.results[i];
      r.name_ref = name_ref(planned[i].object);
      r.namespace_name = planned[i].namespace_name;
      if (failed) {
        r.action = ApplyAction::NotApplied;
        r.object = std::move(planned[i].object);
      } else if (options.dry_run == DryRun::Client) {
        r.action = before[i] ? ApplyAction::Configured : ApplyAction::Created;
        r.object = std::move(planned[i].object);
      } else {
        requests.push_back(apply_request(planned[i], options));
      }
    }
    if (!requests.empty()) {
      client.send_each(requests, [&](size_t k, Response&& response) {
        size_t i = tier_start + k;
        ApplyResult& r = report.results[i];
        if (response.status / 100 == 2) {
          json after = response.json();
          r.action = classify_apply(response.status, before[i], after);
          before[i].reset();
          if (options.keep_objects) {
            r.object = std::move(after);
          }
        } else {
          r.action = ApplyAction::Failed;
          r.error = render_api_error(response, requests[k], client.config().user_name);
          r.object = std::move(planned[i].object);
          failed = true;
        }
      });
    }
    tier_start = tier_end;
  }
  return report;
}

}  // namespace grpcmesh::kube
