// libFuzzer target: the YAML/JSON reader (core/util/yaml) on arbitrary bytes.
// Anything may be refused with grpcmesh::Error; nothing may crash, hang or
// grow without bound. A document read is dumped and read again when it nests
// less than 256 levels: dump() recurses, and 10,000 levels of it overflow the
// larger stack frames of AddressSanitizer (not a normal build's 8 MiB).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

#include "core/util/error.hpp"
#include "core/util/yaml.hpp"

namespace {

size_t depth(const nlohmann::json& root) {
  size_t deepest = 0;
  std::vector<std::pair<const nlohmann::json*, size_t>> todo{{&root, 1}};
  while (!todo.empty()) {
    auto [v, d] = todo.back();
    todo.pop_back();
    deepest = std::max(deepest, d);
    if (v->is_structured()) {
      for (const auto& child : *v) {
        todo.emplace_back(&child, d + 1);
      }
    }
  }
  return deepest;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    for (const auto& doc : grpcmesh::yaml::parse_all(text, "fuzz.yaml")) {
      if (depth(doc.value) < 256) {
        (void)grpcmesh::yaml::parse_all(grpcmesh::yaml::dump(doc.value), "dumped.yaml");
      }
    }
  } catch (const grpcmesh::Error&) {
  }
  return 0;
}
