#include "core/kube/kubeconfig.hpp"

#include <fmt/format.h>

#include <filesystem>
#include <set>

#include "core/kube/encoding.hpp"
#include "core/util/files.hpp"
#include "core/util/error.hpp"
#include "core/util/yaml.hpp"

namespace grpcmesh::kube {
namespace {

using nlohmann::json;

std::string absolute(const std::string& path) {
  std::error_code ec;
  auto abs = std::filesystem::absolute(path, ec);
  return ec ? path : abs.lexically_normal().string();
}

// Adds the named entries of one file (`clusters:` -> `cluster:`) unless an
// earlier file already defined the name.
void merge_named(const json& doc, const char* list_key, const char* item_key, const std::string& file,
                 std::map<std::string, KubeconfigEntry>& into) {
  if (!doc.contains(list_key) || doc[list_key].is_null()) {
    return;
  }
  const json& list = doc[list_key];
  if (!list.is_array()) {
    throw Error(fmt::format("error loading config file \"{}\": {} must be a list", file, list_key));
  }
  for (const json& item : list) {
    if (!item.is_object() || !item.contains("name") || !item["name"].is_string()) {
      throw Error(fmt::format("error loading config file \"{}\": every entry of {} needs a name", file, list_key));
    }
    std::string name = item["name"].get<std::string>();
    json value = item.contains(item_key) && item[item_key].is_object() ? item[item_key] : json::object();
    into.try_emplace(name, KubeconfigEntry{std::move(value), file, dir_name(file)});
  }
}

}  // namespace

KubeconfigSources kubeconfig_sources(const ConnectionOptions& options, const Environment& env) {
  KubeconfigSources sources;
  if (!options.kubeconfig.empty()) {
    sources.files.push_back(absolute(options.kubeconfig));
    sources.required = true;
    return sources;
  }
  if (auto list = env.get("KUBECONFIG"); list && !list->empty()) {
    std::set<std::string> seen;
    size_t start = 0;
    while (start <= list->size()) {
      size_t colon = list->find(':', start);
      std::string item = list->substr(start, colon == std::string::npos ? std::string::npos : colon - start);
      if (!item.empty()) {
        std::string abs = absolute(item);
        if (seen.insert(abs).second) {
          sources.files.push_back(abs);
        }
      }
      if (colon == std::string::npos) {
        break;
      }
      start = colon + 1;
    }
    return sources;
  }
  if (auto home = env.get("HOME"); home && !home->empty()) {
    sources.files.push_back(*home + "/.kube/config");
  }
  return sources;
}

Kubeconfig load_kubeconfig(const KubeconfigSources& sources) {
  Kubeconfig config;
  for (const std::string& file : sources.files) {
    std::error_code ec;
    if (!std::filesystem::exists(file, ec)) {
      if (sources.required) {
        throw Error(fmt::format("stat {}: no such file or directory; check the path given to --kubeconfig", file));
      }
      continue;
    }
    std::string why;
    auto text = util::read_file(file, &why);
    if (!text) {
      throw Error(fmt::format("error loading config file \"{}\": {}", file, why));
    }
    json doc;
    try {
      doc = yaml::parse(*text, file);
    } catch (const Error& e) {
      throw Error(fmt::format("error loading config file \"{}\": {}", file, e.what()));
    }
    if (doc.is_null()) {
      doc = json::object();
    }
    if (!doc.is_object()) {
      throw Error(fmt::format("error loading config file \"{}\": not a kubeconfig (expected a mapping with "
                              "clusters, users and contexts)",
                              file));
    }
    config.files.push_back(file);
    merge_named(doc, "clusters", "cluster", file, config.clusters);
    merge_named(doc, "users", "user", file, config.users);
    merge_named(doc, "contexts", "context", file, config.contexts);
    if (config.current_context.empty() && doc.contains("current-context") && doc["current-context"].is_string()) {
      config.current_context = doc["current-context"].get<std::string>();
    }
  }
  return config;
}

}  // namespace grpcmesh::kube
