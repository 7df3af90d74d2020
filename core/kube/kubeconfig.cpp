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

// The kubeconfig's Go types (k8s.io/client-go/tools/clientcmd/api/v1
// types.go), for the check kubectl's decoding makes: a value of the wrong JSON
// type is an error (`token: 0x1F` is a number, not a string), null is unset.
enum class GoType { String, Bool, Bytes, Strings, StringsMap, StringMap, Struct, StructList, Any };

struct GoField;
struct GoStruct {
  const char* name;  // as encoding/json names it in errors
  std::initializer_list<GoField> fields;
};
struct GoField {
  const char* json;
  GoType type;
  const GoStruct* of = nullptr;  // Struct, StructList
};

constexpr GoStruct kExecEnvVar{"ExecEnvVar", {{"name", GoType::String}, {"value", GoType::String}}};
constexpr GoStruct kExecConfig{"ExecConfig",
                           {{"command", GoType::String},
                            {"args", GoType::Strings},
                            {"env", GoType::StructList, &kExecEnvVar},
                            {"apiVersion", GoType::String},
                            {"installHint", GoType::String},
                            {"provideClusterInfo", GoType::Bool},
                            {"interactiveMode", GoType::String}}};
constexpr GoStruct kAuthProvider{"AuthProviderConfig", {{"name", GoType::String}, {"config", GoType::StringMap}}};
constexpr GoStruct kExtension{"NamedExtension", {{"name", GoType::String}, {"extension", GoType::Any}}};
constexpr GoStruct kCluster{"Cluster",
                        {{"server", GoType::String},
                         {"tls-server-name", GoType::String},
                         {"insecure-skip-tls-verify", GoType::Bool},
                         {"certificate-authority", GoType::String},
                         {"certificate-authority-data", GoType::Bytes},
                         {"proxy-url", GoType::String},
                         {"disable-compression", GoType::Bool},
                         {"extensions", GoType::StructList, &kExtension}}};
constexpr GoStruct kAuthInfo{"AuthInfo",
                         {{"client-certificate", GoType::String},
                          {"client-certificate-data", GoType::Bytes},
                          {"client-key", GoType::String},
                          {"client-key-data", GoType::Bytes},
                          {"token", GoType::String},
                          {"tokenFile", GoType::String},
                          {"as", GoType::String},
                          {"as-uid", GoType::String},
                          {"as-groups", GoType::Strings},
                          {"as-user-extra", GoType::StringsMap},
                          {"username", GoType::String},
                          {"password", GoType::String},
                          {"auth-provider", GoType::Struct, &kAuthProvider},
                          {"exec", GoType::Struct, &kExecConfig},
                          {"extensions", GoType::StructList, &kExtension}}};
constexpr GoStruct kContext{"Context",
                        {{"cluster", GoType::String},
                         {"user", GoType::String},
                         {"namespace", GoType::String},
                         {"extensions", GoType::StructList, &kExtension}}};
constexpr GoStruct kNamedCluster{"NamedCluster", {{"name", GoType::String}, {"cluster", GoType::Struct, &kCluster}}};
constexpr GoStruct kNamedAuthInfo{"NamedAuthInfo", {{"name", GoType::String}, {"user", GoType::Struct, &kAuthInfo}}};
constexpr GoStruct kNamedContext{"NamedContext", {{"name", GoType::String}, {"context", GoType::Struct, &kContext}}};
constexpr GoStruct kPreferences{"Preferences", {{"colors", GoType::Bool}, {"extensions", GoType::StructList, &kExtension}}};
constexpr GoStruct kConfig{"Config",
                       {{"kind", GoType::String},
                        {"apiVersion", GoType::String},
                        {"preferences", GoType::Struct, &kPreferences},
                        {"clusters", GoType::StructList, &kNamedCluster},
                        {"users", GoType::StructList, &kNamedAuthInfo},
                        {"contexts", GoType::StructList, &kNamedContext},
                        {"current-context", GoType::String},
                        {"extensions", GoType::StructList, &kExtension}}};

// encoding/json's word for a value's kind in an UnmarshalTypeError.
const char* json_kind(const json& v) {
  switch (v.type()) {
    case json::value_t::boolean: return "bool";
    case json::value_t::string: return "string";
    case json::value_t::array: return "array";
    case json::value_t::object: return "object";
    default: return "number";
  }
}

[[noreturn]] void type_error(const std::string& file, const json& v, const char* in_struct, const std::string& path,
                             const std::string& go_type) {
  std::string hint = go_type == "string" && (v.is_number() || v.is_boolean()) ? "; quote the value" : "";
  throw Error(fmt::format("error loading config file \"{}\": json: cannot unmarshal {} into Go struct field {}.{} "
                          "of type {}{}",
                          file, json_kind(v), in_struct, path, go_type, hint));
}

void check_struct(const json& v, const GoStruct& type, const std::string& path, const std::string& file);

void check_field(const json& v, const GoField& f, const char* in_struct, const std::string& path,
                 const std::string& file) {
  if (v.is_null()) {
    return;
  }
  switch (f.type) {
    case GoType::String:
      if (!v.is_string()) {
        type_error(file, v, in_struct, path, "string");
      }
      return;
    case GoType::Bool:
      if (!v.is_boolean()) {
        type_error(file, v, in_struct, path, "bool");
      }
      return;
    case GoType::Bytes:
      if (!v.is_string() && !v.is_array()) {
        type_error(file, v, in_struct, path, "[]uint8");
      }
      return;
    case GoType::Strings:
      if (!v.is_array()) {
        type_error(file, v, in_struct, path, "[]string");
      }
      for (const json& item : v) {
        if (!item.is_null() && !item.is_string()) {
          type_error(file, item, in_struct, path, "string");
        }
      }
      return;
    case GoType::StringMap:
    case GoType::StringsMap: {
      bool lists = f.type == GoType::StringsMap;
      if (!v.is_object()) {
        type_error(file, v, in_struct, path, lists ? "map[string][]string" : "map[string]string");
      }
      for (const auto& [key, item] : v.items()) {
        if (item.is_null()) {
          continue;
        }
        if (!lists && !item.is_string()) {
          type_error(file, item, in_struct, path + "." + key, "string");
        }
        if (lists) {
          check_field(item, {f.json, GoType::Strings}, in_struct, path + "." + key, file);
        }
      }
      return;
    }
    case GoType::Struct:
      if (!v.is_object()) {
        type_error(file, v, in_struct, path, std::string("v1.") + f.of->name);
      }
      check_struct(v, *f.of, path, file);
      return;
    case GoType::StructList:
      if (!v.is_array()) {
        type_error(file, v, in_struct, path, std::string("[]v1.") + f.of->name);
      }
      for (const json& item : v) {
        if (item.is_null()) {
          continue;
        }
        if (!item.is_object()) {
          type_error(file, item, in_struct, path, std::string("v1.") + f.of->name);
        }
        check_struct(item, *f.of, path, file);
      }
      return;
    case GoType::Any:
      return;
  }
}

void check_struct(const json& v, const GoStruct& type, const std::string& path, const std::string& file) {
  for (const GoField& f : type.fields) {
    auto it = v.find(f.json);
    if (it != v.end()) {
      check_field(*it, f, type.name, path.empty() ? f.json : path + "." + f.json, file);
    }
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
    check_struct(doc, kConfig, "", file);
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
