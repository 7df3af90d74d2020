#include "fixture_util.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "core/check/file_loader.hpp"

namespace check_test {

std::vector<fs::path> fixture_dirs() {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(fixture_root())) {
    if (e.is_directory()) {
      out.push_back(e.path());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

grpcmesh::check::Snapshot load_fixture(const fs::path& dir) {
  grpcmesh::check::Snapshot snapshot;
  std::istringstream no_stdin;
  grpcmesh::check::load_files(snapshot, {dir.string()}, no_stdin, "default");
  return snapshot;
}

std::set<std::string> finding_keys(const grpcmesh::check::Result& result) {
  std::set<std::string> out;
  for (const auto& m : result.findings) {
    out.insert(fmt::format("{} {} {}/{}", m.code, m.resource.kind, m.resource.namespace_name, m.resource.name));
  }
  return out;
}

std::set<std::string> expected_keys(const fs::path& dir) {
  std::set<std::string> out;
  std::ifstream f(dir / "expected");
  for (std::string line; std::getline(f, line);) {
    if (!line.empty()) {
      out.insert(line);
    }
  }
  return out;
}

}  // namespace check_test
