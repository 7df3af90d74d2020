#include "oracle_client.hpp"

#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>

namespace oracle {

namespace fs = std::filesystem;

std::string peer(const std::string& key) {
  const char* env = std::getenv("GRPCMESH_PEERS_ENV");
  const std::string path = env != nullptr && *env != '\0' ? env : GRPCMESH_PEERS_ENV_DEFAULT;
  std::ifstream in(path);
  if (!in) {
    throw std::runtime_error("no peers env file at " + path + ": run scripts/build-peers.sh --env-file " + path);
  }
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(key + "=", 0) == 0) {
      return line.substr(key.size() + 1);
    }
  }
  throw std::runtime_error(key + " is not in " + path + ": run scripts/build-peers.sh again");
}

TempDir::TempDir() {
  std::random_device rd;
  for (int i = 0; i < 100; ++i) {
    auto p = fs::temp_directory_path() / ("grpcmesh-oracle-" + std::to_string(getpid()) + "-" + std::to_string(rd()));
    if (fs::create_directory(p)) {
      path_ = p;
      return;
    }
  }
  throw std::runtime_error("cannot create a temporary directory");
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

namespace {

std::string read_all(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Single quotes for the shell.
std::string quoted(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

}  // namespace

namespace {

// Runs `istio-oracle -test.run=TEST -FLAG=<input as a file> -out=...` and
// returns what it wrote: an array as long as the input.
nlohmann::json run_oracle(const std::string& test, const std::string& flag, const nlohmann::json& input) {
  const std::string binary = peer("ISTIO_ORACLE");
  TempDir dir;
  const auto in = dir.path() / "input.json";
  const auto out = dir.path() / "output.json";
  const auto log = dir.path() / "oracle.log";
  std::ofstream(in) << input.dump();
  const std::string cmd = quoted(binary) + " -test.run=" + test + " -" + flag + "=" + quoted(in.string()) +
                          " -out=" + quoted(out.string()) + " >" + quoted(log.string()) + " 2>&1";
  const int rc = std::system(cmd.c_str());
  if (rc != 0 || !fs::exists(out)) {
    throw std::runtime_error("the Istio oracle (" + test + ") failed (" + std::to_string(rc) + "): " + read_all(log));
  }
  auto results = nlohmann::json::parse(read_all(out));
  if (!results.is_array() || results.size() != input.size()) {
    throw std::runtime_error("the Istio oracle (" + test + ") answered " + std::to_string(results.size()) + " of " +
                             std::to_string(input.size()));
  }
  return results;
}

}  // namespace

nlohmann::json run_batch(const nlohmann::json& scenarios) { return run_oracle("TestOracle", "batch", scenarios); }

nlohmann::json run_analyze(const nlohmann::json& cases) { return run_oracle("TestAnalyze", "analyze", cases); }

}  // namespace oracle
