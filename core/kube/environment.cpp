#include "core/kube/environment.hpp"

#include <unistd.h>

#include <string>

namespace grpcmesh::kube {

Environment Environment::from_process() {
  Environment env;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    std::string entry(*e);
    auto eq = entry.find('=');
    if (eq != std::string::npos) {
      env.vars.emplace(entry.substr(0, eq), entry.substr(eq + 1));
    }
  }
  return env;
}

std::optional<std::string> Environment::get(std::string_view name) const {
  auto it = vars.find(name);
  if (it == vars.end()) {
    return std::nullopt;
  }
  return it->second;
}

}  // namespace grpcmesh::kube
