#pragma once

// Runs the Istio oracle (tests/peers/istio/oracle) on scenarios and returns
// its answers. See that package's documentation for the JSON it reads and
// writes.
#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

namespace oracle {

// A value of the peers env file (GRPCMESH_PEERS_ENV, else the build's
// peers.env). Throws std::runtime_error when the file or the key is missing.
std::string peer(const std::string& key);

// A temporary directory, removed with the object.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// Runs `istio-oracle -test.run=TestOracle -batch=...` on an array of
// scenarios ({"name", "files", "namespace", "calls"}) and returns the array
// of results, in order. Throws std::runtime_error with the oracle's output
// when it fails.
nlohmann::json run_batch(const nlohmann::json& scenarios);

// Runs Istio's analyzers (what `istioctl analyze` runs) through the
// oracle's analysis mode (`-test.run=TestAnalyze -analyze=...`,
// tests/peers/istio/oracle/analyze_test.go) on an array of cases ({"name",
// "files", "namespace"}) and returns the array of results ({"name", "error",
// "messages": [{"code", "level", "kind", "namespace", "name", "text"}]}), in
// order. Throws std::runtime_error with the oracle's output when it fails.
nlohmann::json run_analyze(const nlohmann::json& cases);

}  // namespace oracle
