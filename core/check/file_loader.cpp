#include "core/check/file_loader.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <istream>
#include <iterator>

#include "core/util/error.hpp"
#include "core/util/files.hpp"
#include "core/util/yaml.hpp"

namespace grpcmesh::check {
namespace {

namespace fs = std::filesystem;

bool is_manifest(const fs::path& p) {
  std::string ext = p.extension().string();
  return ext == ".yaml" || ext == ".yml" || ext == ".json";
}

std::pair<std::string, std::string> split_api_version(const std::string& api_version) {
  auto slash = api_version.find('/');
  if (slash == std::string::npos) {
    return {"", api_version};
  }
  return {api_version.substr(0, slash), api_version.substr(slash + 1)};
}

size_t add_document(Snapshot& snapshot, const nlohmann::json& doc, const std::string& origin,
                    const std::string& default_namespace) {
  if (!doc.is_object()) {
    throw Error(fmt::format("{}: the document is not an object; each YAML document must be one Kubernetes object",
                            origin));
  }
  std::string kind = string_field(doc, "kind");
  std::string api_version = string_field(doc, "apiVersion");
  if (kind.empty() || api_version.empty()) {
    throw Error(fmt::format("{}: the object has no {}; every object needs apiVersion and kind", origin,
                            kind.empty() ? "kind" : "apiVersion"));
  }
  if (kind.ends_with("List") && field(doc, "items").is_array()) {
    size_t n = 0;
    for (const auto& item : field(doc, "items")) {
      n += add_document(snapshot, item, origin, default_namespace);
    }
    return n;
  }
  add_object(snapshot, doc, origin, default_namespace);
  return 1;
}

void load_text(Snapshot& snapshot, const std::string& text, const std::string& source,
               const std::string& default_namespace, size_t& objects) {
  for (const yaml::Document& doc : yaml::parse_all(text, source)) {
    objects += add_document(snapshot, doc.value, fmt::format("{}:{}", source, doc.line), default_namespace);
  }
}

}  // namespace

void add_object(Snapshot& snapshot, const nlohmann::json& object, const std::string& origin,
                const std::string& default_namespace) {
  std::string kind_text = string_field(object, "kind");
  std::string api_version = string_field(object, "apiVersion");
  const auto& metadata = field(object, "metadata");
  std::string name = string_field(metadata, "name");
  std::string ns = string_field(metadata, "namespace");
  std::optional<Kind> kind = kind_by_name(kind_text);
  auto [group, version] = split_api_version(api_version);
  if (!kind || (*kind == Kind::Gateway && group == "gateway.networking.k8s.io")) {
    snapshot.add_ignored({api_version, kind_text, ns.empty() ? default_namespace : ns, name, origin});
    return;
  }
  if (ns.empty()) {
    ns = default_namespace;
  }
  Resource r{*kind, api_version, ns, name, object, origin};
  const KindInfo& ki = info(*kind);
  bool served = group == ki.group &&
                std::find(ki.versions.begin(), ki.versions.end(), version) != ki.versions.end();
  if (served) {
    snapshot.add(std::move(r));
  } else {
    snapshot.add_rejected(std::move(r));
  }
}

size_t load_files(Snapshot& snapshot, const std::vector<std::string>& paths, std::istream& in,
                  const std::string& default_namespace) {
  size_t objects = 0;
  for (const std::string& path : paths) {
    if (path == "-") {
      std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
      load_text(snapshot, text, "<stdin>", default_namespace, objects);
      continue;
    }
    std::error_code ec;
    fs::file_status st = fs::status(path, ec);
    if (ec || !fs::exists(st)) {
      throw Error(fmt::format("the path \"{}\" does not exist: check -f (a file, a directory or - for stdin)", path));
    }
    if (fs::is_directory(st)) {
      std::vector<fs::path> files;
      for (auto it = fs::recursive_directory_iterator(path, ec); !ec && it != fs::recursive_directory_iterator();
           it.increment(ec)) {
        if (it->is_regular_file() && is_manifest(it->path())) {
          files.push_back(it->path());
        }
      }
      if (ec) {
        throw Error(fmt::format("cannot read directory {}: {}", path, ec.message()));
      }
      std::sort(files.begin(), files.end());
      for (const fs::path& f : files) {
        load_text(snapshot, util::read_option_file(f.string(), "-f"), f.string(), default_namespace, objects);
      }
      continue;
    }
    load_text(snapshot, util::read_option_file(path, "-f"), path, default_namespace, objects);
  }
  if (objects == 0) {
    throw Error(fmt::format("no Kubernetes objects found in {}: give -f files or directories with YAML or JSON manifests",
                            fmt::join(paths, ", ")));
  }
  return objects;
}

}  // namespace grpcmesh::check
