#pragma once
// Golden-file comparison for whole outputs. Run the unit tests with
// GRPCMESH_UPDATE_GOLDEN=1 to rewrite the files, then review the diff.

#include <doctest/doctest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

namespace grpcmesh::testing {

inline std::string testdata_path(const std::string& relative) { return std::string(GRPCMESH_TESTDATA_DIR) + "/" + relative; }

inline void check_golden(const std::string& relative, const std::string& actual) {
  const std::string path = testdata_path(relative);
  if (const char* update = std::getenv("GRPCMESH_UPDATE_GOLDEN"); update != nullptr && std::string(update) == "1") {
    std::ofstream(path, std::ios::binary) << actual;
    return;
  }
  std::ifstream in(path, std::ios::binary);
  REQUIRE_MESSAGE(in.good(), "missing golden file " << path << " (run with GRPCMESH_UPDATE_GOLDEN=1)");
  std::stringstream expected;
  expected << in.rdbuf();
  CHECK_MESSAGE(actual == expected.str(), "output differs from " << relative);
}

}  // namespace grpcmesh::testing
