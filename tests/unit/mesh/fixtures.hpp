#pragma once
// Loads API objects for the mesh tests from tests/testdata.

#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "core/util/error.hpp"
#include "core/util/yaml.hpp"
#include "tests/unit/support/golden.hpp"

namespace grpcmesh::testing {

inline std::vector<nlohmann::json> load_objects(const std::string& relative, const std::string& kind = {}) {
  std::ifstream in(testdata_path(relative));
  std::stringstream text;
  text << in.rdbuf();
  std::vector<nlohmann::json> out;
  for (auto& doc : yaml::parse_all(text.str(), relative)) {
    if (kind.empty() || doc.value.value("kind", "") == kind) {
      out.push_back(doc.value);
    }
  }
  return out;
}

inline std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace grpcmesh::testing
