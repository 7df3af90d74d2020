#include "analyze_client.hpp"

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "oracle_client.hpp"

namespace oracle {

namespace fs = std::filesystem;

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

nlohmann::json run_analyze(const nlohmann::json& cases) {
  const std::string binary = peer("ISTIO_ORACLE");
  TempDir dir;
  const auto in = dir.path() / "cases.json";
  const auto out = dir.path() / "messages.json";
  const auto log = dir.path() / "oracle.log";
  std::ofstream(in) << cases.dump();
  const std::string cmd = quoted(binary) + " -test.run=TestAnalyze -analyze=" + quoted(in.string()) +
                          " -out=" + quoted(out.string()) + " >" + quoted(log.string()) + " 2>&1";
  const int rc = std::system(cmd.c_str());
  if (rc != 0 || !fs::exists(out)) {
    throw std::runtime_error("the Istio oracle's analysis failed (" + std::to_string(rc) + "): " + read_all(log));
  }
  auto results = nlohmann::json::parse(read_all(out));
  if (!results.is_array() || results.size() != cases.size()) {
    throw std::runtime_error("the Istio oracle analysed " + std::to_string(results.size()) + " cases of " +
                             std::to_string(cases.size()));
  }
  return results;
}

}  // namespace oracle
