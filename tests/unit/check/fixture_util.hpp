#pragma once

// Helpers for the check fixture table (tests/testdata/check/<case>/).
#include <chrono>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "core/check/analyzer.hpp"

namespace doctest {
// Prints finding sets in failure messages.
template <>
struct StringMaker<std::set<std::string>> {
  static String convert(const std::set<std::string>& values) {
    std::string out = "{";
    for (const auto& v : values) {
      out += (out.size() > 1 ? ", " : "") + v;
    }
    return (out + "}").c_str();
  }
};
}  // namespace doctest

namespace check_test {

namespace fs = std::filesystem;

// The clock every fixture is analysed at (the certificates are dated from it).
inline std::chrono::system_clock::time_point fixture_now() {
  return std::chrono::system_clock::from_time_t(1780272000);  // 2026-06-01T00:00:00Z
}

inline fs::path fixture_root() { return fs::path(GRPCMESH_TESTDATA_DIR) / "check"; }

std::vector<fs::path> fixture_dirs();
grpcmesh::check::Snapshot load_fixture(const fs::path& dir);
// "CODE Kind namespace/name" of each finding.
std::set<std::string> finding_keys(const grpcmesh::check::Result& result);
std::set<std::string> expected_keys(const fs::path& dir);

}  // namespace check_test
