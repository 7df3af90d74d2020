#include "core/version.hpp"

#include <doctest/doctest.h>

#include <fstream>
#include <regex>
#include <sstream>

TEST_CASE("version: the binary reports the CHANGELOG's latest release") {
  std::ifstream in(std::string(GRPCMESH_SOURCE_DIR) + "/CHANGELOG.md");
  REQUIRE(in);
  std::ostringstream text;
  text << in.rdbuf();
  const std::string changelog = text.str();
  std::smatch m;
  REQUIRE(std::regex_search(changelog, m, std::regex(R"(\n## \[(\d+\.\d+\.\d+)\] - \d{4}-\d{2}-\d{2}\n)")));
  CHECK(m[1].str() == grpcmesh::build_info().version);
}
