#include "core/mesh/local_state.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <istream>
#include <iterator>
#include <tuple>

#include "core/check/file_loader.hpp"
#include "core/check/resource.hpp"
#include "core/kube/printer.hpp"
#include "core/kube/resource.hpp"
#include "core/manifest/names.hpp"
#include "core/mesh/ownership.hpp"
#include "core/mesh/workload.hpp"
#include "core/util/error.hpp"
#include "core/util/files.hpp"
#include "core/util/yaml.hpp"

namespace grpcmesh::mesh {
namespace {

// Which object: group, kind, namespace, name.
using Key = std::tuple<std::string, std::string, std::string, std::string>;

std::string str(const nlohmann::json& o, const char* pointer) {
  const nlohmann::json::json_pointer p(pointer);
  return o.contains(p) && o.at(p).is_string() ? o.at(p).get<std::string>() : std::string();
}

std::string group_of(const nlohmann::json& o) { return kube::split_api_version(str(o, "/apiVersion")).first; }

Key key_of(const nlohmann::json& o) {
  return {group_of(o), str(o, "/kind"), str(o, "/metadata/namespace"), str(o, "/metadata/name")};
}

bool labelled_ours(const nlohmann::json& o) {
  return str(o, "/metadata/labels/app.kubernetes.io~1managed-by") == manifest::kManagedByValue;
}

bool carries_our_record(const nlohmann::json& o) {
  const nlohmann::json annotations = o.value("/metadata/annotations"_json_pointer, nlohmann::json::object());
  if (!annotations.is_object()) {
    return false;
  }
  return std::any_of(annotations.items().begin(), annotations.items().end(),
                     [](const auto& a) { return a.key().rfind("kubectl-grpcmesh/", 0) == 0; });
}

// The field ownership a cluster would record for an object of the files:
// wholly ours when labelled so; shared when it carries one of our records
// without the label; nobody's otherwise (then nothing of it is ours to take back).
nlohmann::json with_ownership(nlohmann::json o, const std::string& manager) {
  if (o.contains("/metadata/managedFields"_json_pointer) || !o["metadata"].is_object()) {
    return o;
  }
  const nlohmann::json ours = {{"manager", manager},
                               {"operation", "Apply"},
                               {"apiVersion", o.value("apiVersion", "")},
                               {"fieldsType", "FieldsV1"},
                               {"fieldsV1", {{"f:metadata", nlohmann::json::object()}}}};
  if (labelled_ours(o)) {
    o["metadata"]["managedFields"] = nlohmann::json::array({ours});
  } else if (carries_our_record(o)) {
    o["metadata"]["managedFields"] = nlohmann::json::array(
        {ours,
         {{"manager", "manifests"},
          {"operation", "Update"},
          {"apiVersion", o.value("apiVersion", "")},
          {"fieldsType", "FieldsV1"},
          {"fieldsV1", {{"f:spec", nlohmann::json::object()}}}}});
  }
  return o;
}

// What check's decoder says of a document that is no Kubernetes object.
void require_object(const nlohmann::json& doc, const std::string& origin) {
  if (!doc.is_object()) {
    throw Error(fmt::format("{}: the document is not an object; each YAML document must be one Kubernetes object",
                            origin));
  }
  const bool has_kind = doc.contains("kind") && doc["kind"].is_string() && !doc["kind"].get<std::string>().empty();
  const bool has_version =
      doc.contains("apiVersion") && doc["apiVersion"].is_string() && !doc["apiVersion"].get<std::string>().empty();
  if (!has_kind || !has_version) {
    throw Error(fmt::format("{}: the object has no {}; every object needs apiVersion and kind", origin,
                            has_kind ? "apiVersion" : "kind"));
  }
}

void add_object(std::vector<LocalObject>& out, nlohmann::json doc, const std::string& origin,
                const std::string& default_namespace) {
  require_object(doc, origin);
  const std::string kind = doc["kind"].get<std::string>();
  if (kind.ends_with("List") && doc.contains("items") && doc["items"].is_array()) {
    for (auto& item : doc["items"]) {
      add_object(out, std::move(item), origin, default_namespace);
    }
    return;
  }
  if (!doc.contains("metadata") || !doc["metadata"].is_object()) {
    doc["metadata"] = nlohmann::json::object();
  }
  if (check::cluster_scoped(group_of(doc), kind)) {
    doc["metadata"].erase("namespace");
  } else if (str(doc, "/metadata/namespace").empty()) {
    doc["metadata"]["namespace"] = default_namespace;
  }
  const Key key = key_of(doc);
  for (LocalObject& o : out) {
    if (key_of(o.object) == key) {  // a later object replaces a same-named earlier one, as in check -f
      o = LocalObject{std::move(doc), origin};
      return;
    }
  }
  out.push_back(LocalObject{std::move(doc), origin});
}

bool matches(const nlohmann::json& o, const kube::GroupKind& kind, const std::string& namespace_name) {
  return group_of(o) == kind.group && str(o, "/kind") == kind.kind &&
         (namespace_name.empty() || str(o, "/metadata/namespace") == namespace_name);
}

bool is_istio_networking(const kube::GroupKind& kind) { return kind.group == "networking.istio.io"; }

void merge_into(nlohmann::json& a, const nlohmann::json& b, const std::string& kind, const std::string& path) {
  for (const auto& [k, v] : b.items()) {
    const std::string p = path + "/" + k;
    if (v.is_null()) {
      continue;
    }
    if (v.is_object() && a.contains(k) && a[k].is_object()) {
      merge_into(a[k], v, kind, p);
    } else if (v.is_array() && a.contains(k) && a[k].is_array() && kind == "Service" && p == "/spec/ports") {
      // A Service's ports are a map keyed by port and protocol for
      // server-side apply: the configuration's ports merge into theirs.
      const auto port_key = [](const nlohmann::json& port) {
        return std::make_pair(port.value("port", 0), port.value("protocol", std::string("TCP")));
      };
      for (const auto& port : v) {
        auto it = std::find_if(a[k].begin(), a[k].end(), [&](const nlohmann::json& mine) {
          return mine.is_object() && port.is_object() && port_key(mine) == port_key(port);
        });
        if (it != a[k].end()) {
          merge_into(*it, port, kind, p + "/*");
        } else {
          a[k].push_back(port);
        }
      }
    } else if (v.is_array() && a.contains(k) && a[k].is_array() && kind == "Gateway" && p == "/spec/listeners") {
      // A Gateway API Gateway's listeners are a map keyed by name: the
      // configuration's listeners merge into the others.
      for (const auto& listener : v) {
        auto it = std::find_if(a[k].begin(), a[k].end(), [&](const nlohmann::json& mine) {
          return mine.is_object() && listener.is_object() && mine.value("name", "") == listener.value("name", "");
        });
        if (it != a[k].end()) {
          *it = listener;
        } else {
          a[k].push_back(listener);
        }
      }
    } else {
      a[k] = v;
    }
  }
}

}  // namespace

nlohmann::json merge_applied(nlohmann::json base, const nlohmann::json& config, bool wholly_ours) {
  if (!base.is_object()) {
    base = nlohmann::json::object();
  }
  if (wholly_ours) {
    // Fields we applied before and no longer give go away, as server-side
    // apply drops a manager's fields it stops applying.
    for (const auto& [k, v] : config.items()) {
      if (k != "apiVersion" && k != "kind" && k != "metadata") {
        base.erase(k);
      }
    }
  }
  merge_into(base, config, config.value("kind", std::string()), "");
  return base;
}

LocalState LocalState::load(const std::vector<std::string>& paths, std::istream& in,
                            const std::string& default_namespace, const std::string& field_manager) {
  std::vector<LocalObject> objects;
  for (const std::string& file : check::manifest_files(paths)) {
    const std::string source = file == "-" ? "<stdin>" : file;
    std::string text;
    if (file == "-") {
      text.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    } else {
      text = util::read_option_file(file, "-f");
    }
    for (auto& doc : yaml::parse_all(text, source)) {
      add_object(objects, std::move(doc.value), source + ":" + std::to_string(doc.line), default_namespace);
    }
  }
  if (objects.empty()) {
    throw Error(fmt::format("no Kubernetes objects found in {}: give -f files or directories with YAML or JSON manifests",
                            fmt::join(paths, ", ")));
  }
  return LocalState(std::move(objects), field_manager);
}

LocalState::LocalState(std::vector<LocalObject> objects, std::string field_manager)
    : objects_(std::move(objects)), field_manager_(std::move(field_manager)) {
  for (LocalObject& o : objects_) {
    o.object = with_ownership(std::move(o.object), field_manager_);
  }
}

std::string LocalState::istio_api_version() {
  bool v1 = false;
  bool other = false;
  for (const LocalObject& o : objects_) {
    const auto [group, version] = kube::split_api_version(str(o.object, "/apiVersion"));
    if (group == "networking.istio.io") {
      (version == "v1" ? v1 : other) = true;
    }
  }
  // The version the repository writes; v1 when it holds none (Istio 1.22+).
  return !v1 && other ? "networking.istio.io/v1beta1" : "networking.istio.io/v1";
}

bool LocalState::serves(const kube::GroupKind& kind, const std::string& version) {
  // Manifests say a group is served when they hold an object of it at that
  // version (Istio's networking kinds are always taken as served).
  if (is_istio_networking(kind)) {
    return true;
  }
  return std::any_of(objects_.begin(), objects_.end(), [&](const LocalObject& o) {
    return kube::split_api_version(str(o.object, "/apiVersion")) == std::make_pair(kind.group, version);
  });
}

kube::ListResult LocalState::list(const kube::GroupKind& kind, const kube::ListOptions& options) {
  const Labels selector = options.label_selector.empty() ? Labels{} : parse_selector(options.label_selector);
  kube::ListResult r;
  for (const LocalObject& o : objects_) {
    if (!matches(o.object, kind, options.namespace_name)) {
      continue;
    }
    if (!selector.empty()) {
      Labels labels;
      const nlohmann::json labels_json = o.object.value("/metadata/labels"_json_pointer, nlohmann::json::object());
      for (const auto& [k, v] : labels_json.items()) {
        if (v.is_string()) {
          labels[k] = v.get<std::string>();
        }
      }
      if (!selects(selector, labels)) {
        continue;
      }
    }
    r.items.push_back(o.object);
  }
  return r;
}

std::optional<nlohmann::json> LocalState::get(const kube::GroupKind& kind, const std::string& namespace_name,
                                              const std::string& name) {
  for (const LocalObject& o : objects_) {
    if (matches(o.object, kind, "") && str(o.object, "/metadata/namespace") == namespace_name &&
        str(o.object, "/metadata/name") == name) {
      return o.object;
    }
  }
  return std::nullopt;
}

bool LocalState::knows(const kube::GroupKind& kind) const {
  return is_istio_networking(kind) || std::any_of(objects_.begin(), objects_.end(), [&](const LocalObject& o) {
           return matches(o.object, kind, "");
         });
}

LocalResult LocalState::apply(const ChangeSet& changes) const {
  const auto as_in_files = [](nlohmann::json o, bool synthesized) {
    if (synthesized && o["metadata"].is_object()) {
      o["metadata"].erase("managedFields");
    }
    return o;
  };
  std::vector<std::optional<nlohmann::json>> after(objects_.size());
  std::vector<bool> deleted(objects_.size(), false);
  std::vector<nlohmann::json> created;
  const auto index_of = [&](const Key& key) -> std::optional<size_t> {
    for (size_t i = 0; i < objects_.size(); ++i) {
      if (key_of(objects_[i].object) == key) {
        return i;
      }
    }
    return std::nullopt;
  };
  std::vector<bool> synthesized(objects_.size(), false);
  for (size_t i = 0; i < objects_.size(); ++i) {
    synthesized[i] = labelled_ours(objects_[i].object) || carries_our_record(objects_[i].object);
  }
  for (const Change& c : changes.changes) {
    const Key key = key_of(c.object);
    const auto i = index_of(key);
    auto made = std::find_if(created.begin(), created.end(), [&](const nlohmann::json& o) { return key_of(o) == key; });
    if (c.kind == Change::Kind::Apply) {
      if (i) {
        const nlohmann::json base = after[*i] ? *after[*i] : as_in_files(objects_[*i].object, synthesized[*i]);
        after[*i] = merge_applied(deleted[*i] ? nlohmann::json::object() : base, c.object,
                                  deleted[*i] || labelled_ours(objects_[*i].object));
        deleted[*i] = false;
      } else if (made != created.end()) {
        *made = merge_applied(*made, c.object, true);
      } else {
        created.push_back(merge_applied(nlohmann::json::object(), c.object, true));
      }
      continue;
    }
    if (!i) {
      if (made != created.end()) {
        created.erase(made);
      }
      continue;  // not in the files: nothing to take back
    }
    const nlohmann::json& object = objects_[*i].object;
    const auto managers = field_managers(object);
    if (std::find(managers.begin(), managers.end(), field_manager_) == managers.end()) {
      continue;  // as on a cluster: none of its fields are ours
    }
    if (others_own_fields(object, field_manager_)) {
      throw Error(fmt::format(
          "--local cannot take back what kubectl-grpcmesh set on {} {}/{} ({}): the object is shared with its other "
          "owners and manifests record no field ownership; remove its kubectl-grpcmesh/ annotations and the settings "
          "they name by hand, or run the command against the cluster",
          str(object, "/kind"), str(object, "/metadata/namespace"), str(object, "/metadata/name"),
          objects_[*i].origin));
    }
    deleted[*i] = true;
    after[*i].reset();
  }

  LocalResult r;
  for (size_t i = 0; i < objects_.size(); ++i) {
    const nlohmann::json original = as_in_files(objects_[i].object, synthesized[i]);
    if (deleted[i]) {
      const std::string ns = str(original, "/metadata/namespace");
      r.deleted.push_back(fmt::format("{}{} ({})", kube::name_ref(original), ns.empty() ? "" : " in " + ns,
                                      objects_[i].origin));
    } else if (after[i] && *after[i] != original) {
      r.objects.push_back(*after[i]);
    }
  }
  r.objects.insert(r.objects.end(), created.begin(), created.end());
  return r;
}

}  // namespace grpcmesh::mesh
