#include "core/check/file_loader.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <istream>
#include <iterator>

#include "core/check/decoder.hpp"
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

}  // namespace

size_t load_files(Snapshot& snapshot, const std::vector<std::string>& paths, std::istream& in,
                  const std::string& default_namespace) {
  size_t objects = 0;
  Decoder decoder(snapshot, default_namespace);
  auto load_text = [&](const std::string& text, const std::string& source) {
    ObjectReader reader(decoder, source);
    yaml::parse_events(text, source, reader);
    objects += reader.objects();
  };
  for (const std::string& path : paths) {
    if (path == "-") {
      std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
      load_text(text, "<stdin>");
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
        load_text(util::read_option_file(f.string(), "-f"), f.string());
      }
      continue;
    }
    load_text(util::read_option_file(path, "-f"), path);
  }
  if (objects == 0) {
    throw Error(fmt::format("no Kubernetes objects found in {}: give -f files or directories with YAML or JSON manifests",
                            fmt::join(paths, ", ")));
  }
  return objects;
}

}  // namespace grpcmesh::check
