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

nlohmann::json run_batch(const nlohmann::json& scenarios) {
  const std::string binary = peer("ISTIO_ORACLE");
  TempDir dir;
  const auto in = dir.path() / "scenarios.json";
  const auto out = dir.path() / "results.json";
  const auto log = dir.path() / "oracle.log";
  std::ofstream(in) << scenarios.dump();
  const std::string cmd = quoted(binary) + " -test.run=TestOracle -batch=" + quoted(in.string()) +
                          " -out=" + quoted(out.string()) + " >" + quoted(log.string()) + " 2>&1";
  const int rc = std::system(cmd.c_str());
  if (rc != 0 || !fs::exists(out)) {
    throw std::runtime_error("the Istio oracle failed (" + std::to_string(rc) + "): " + read_all(log));
  }
  auto results = nlohmann::json::parse(read_all(out));
  if (!results.is_array() || results.size() != scenarios.size()) {
    throw std::runtime_error("the Istio oracle answered " + std::to_string(results.size()) + " scenarios of " +
                             std::to_string(scenarios.size()));
  }
  return results;
}

}  // namespace oracle
