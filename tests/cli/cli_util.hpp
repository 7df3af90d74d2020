// Helpers shared by the binary-level tests: running the plugin off a
// terminal, listing its commands, reading and comparing files.
#pragma once

#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "harness.hpp"

namespace cli_test {

namespace fs = std::filesystem;

inline fs::path source_dir() { return fs::path(GRPCMESH_SOURCE_DIR); }

// The plugin with a fixed, minimal environment: no colour hints, no
// kubeconfig, and KUBECTL_PATH set as kubectl sets it (so the usage lines
// read "kubectl grpcmesh") unless `as_plugin` is false.
inline e2e::Result plugin(const std::vector<std::string>& args, bool as_plugin = true,
                          std::map<std::string, std::string> env = {}) {
  e2e::RunOptions options;
  options.clear_env = true;
  options.env = {{"PATH", "/usr/bin:/bin"}, {"HOME", "/nonexistent"}, {"TERM", "xterm-256color"}};
  if (as_plugin) {
    options.env["KUBECTL_PATH"] = "/usr/bin/kubectl";
  }
  for (auto& [k, v] : env) {
    options.env[k] = v;
  }
  std::vector<std::string> argv{e2e::plugin_path().string()};
  argv.insert(argv.end(), args.begin(), args.end());
  return e2e::run(argv, options);
}

inline std::string slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

inline void spit(const fs::path& path, const std::string& content) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << content;
}

// Every visible command as its argument list ({} is the root,
// {"tls", "create"} a nested one), from the docs pages the binary writes.
inline std::vector<std::vector<std::string>> commands() {
  e2e::TempDir dir("grpcmesh-cli");
  auto r = plugin({"__docs", dir.path().string()});
  REQUIRE_MESSAGE(r.ok(), r.describe());
  std::vector<std::vector<std::string>> all;
  for (const auto& entry : fs::directory_iterator(dir.path())) {
    std::string stem = entry.path().stem().string();  // kubectl-grpcmesh_tls_create
    std::vector<std::string> words;
    std::stringstream ss(stem);
    std::string word;
    std::getline(ss, word, '_');  // kubectl-grpcmesh
    while (std::getline(ss, word, '_')) {
      words.push_back(word);
    }
    all.push_back(words);
  }
  std::sort(all.begin(), all.end());
  return all;
}

inline std::string page_name(const std::vector<std::string>& words) {
  std::string name = "kubectl-grpcmesh";
  for (const auto& w : words) {
    name += "_" + w;
  }
  return name;
}

inline bool updating_goldens() {
  const char* u = std::getenv("GRPCMESH_UPDATE_GOLDEN");
  return u != nullptr && *u != '\0';
}

}  // namespace cli_test
