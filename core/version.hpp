#pragma once

#include <string>

namespace grpcmesh {

// What `kubectl-grpcmesh version` reports; generated at build time.
struct BuildInfo {
  std::string version;   // semantic version, without the leading "v"
  std::string commit;    // short git commit, "-dirty" when the tree had changes
  std::string date;      // build date (UTC)
  std::string compiler;  // compiler id and version
};

const BuildInfo& build_info();

}  // namespace grpcmesh
