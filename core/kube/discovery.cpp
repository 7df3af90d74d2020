#include "core/kube/discovery.hpp"

namespace grpcmesh::kube {
namespace {

using nlohmann::json;

std::string str(const json& obj, const char* key) {
  if (!obj.is_object() || !obj.contains(key) || !obj[key].is_string()) {
    return {};
  }
  return obj[key].get<std::string>();
}

std::vector<std::string> strings(const json& obj, const char* key) {
  std::vector<std::string> out;
  if (obj.is_object() && obj.contains(key) && obj[key].is_array()) {
    for (const auto& v : obj[key]) {
      if (v.is_string()) {
        out.push_back(v.get<std::string>());
      }
    }
  }
  return out;
}

}  // namespace

bool is_aggregated_discovery(const json& body) {
  return body.is_object() && str(body, "kind") == "APIGroupDiscoveryList";
}

std::vector<DiscoveryGroup> parse_aggregated_discovery(const json& body) {
  std::vector<DiscoveryGroup> groups;
  if (!body.contains("items") || !body["items"].is_array()) {
    return groups;
  }
  for (const json& item : body["items"]) {
    DiscoveryGroup g;
    g.name = item.contains("metadata") ? str(item["metadata"], "name") : "";
    g.resources_loaded = true;
    if (!item.contains("versions") || !item["versions"].is_array()) {
      continue;
    }
    for (const json& v : item["versions"]) {
      std::string version = str(v, "version");
      if (version.empty()) {
        continue;
      }
      g.versions.push_back(version);
      auto& list = g.resources[version];
      if (!v.contains("resources") || !v["resources"].is_array()) {
        continue;
      }
      for (const json& r : v["resources"]) {
        ApiResource res;
        res.group = g.name;
        res.version = version;
        res.resource = str(r, "resource");
        res.kind = r.contains("responseKind") ? str(r["responseKind"], "kind") : "";
        res.namespaced = str(r, "scope") != "Cluster";
        res.verbs = strings(r, "verbs");
        if (!res.resource.empty() && !res.kind.empty()) {
          list.push_back(std::move(res));
        }
      }
    }
    groups.push_back(std::move(g));
  }
  return groups;
}

std::vector<DiscoveryGroup> parse_group_list(const json& body) {
  std::vector<DiscoveryGroup> groups;
  if (!body.contains("groups") || !body["groups"].is_array()) {
    return groups;
  }
  for (const json& item : body["groups"]) {
    DiscoveryGroup g;
    g.name = str(item, "name");
    std::string preferred = item.contains("preferredVersion") ? str(item["preferredVersion"], "version") : "";
    if (!preferred.empty()) {
      g.versions.push_back(preferred);
    }
    if (item.contains("versions") && item["versions"].is_array()) {
      for (const json& v : item["versions"]) {
        std::string version = str(v, "version");
        if (!version.empty() && version != preferred) {
          g.versions.push_back(version);
        }
      }
    }
    groups.push_back(std::move(g));
  }
  return groups;
}

DiscoveryGroup parse_core_versions(const json& body) {
  DiscoveryGroup g;
  g.versions = strings(body, "versions");
  return g;
}

std::vector<ApiResource> parse_resource_list(const json& body, const std::string& group, const std::string& version) {
  std::vector<ApiResource> out;
  if (!body.contains("resources") || !body["resources"].is_array()) {
    return out;
  }
  for (const json& r : body["resources"]) {
    std::string name = str(r, "name");
    if (name.empty() || name.find('/') != std::string::npos) {
      continue;  // subresources such as services/status
    }
    ApiResource res;
    res.group = group;
    res.version = version;
    res.resource = name;
    res.kind = str(r, "kind");
    res.namespaced = r.value("namespaced", false);
    res.verbs = strings(r, "verbs");
    out.push_back(std::move(res));
  }
  return out;
}

}  // namespace grpcmesh::kube
