#pragma once
// What `--dry-run=client -o yaml` prints for a change set: stdout (the
// objects) and stderr (warnings and the summary), through the shared
// execute plumbing exactly as the commands run it.

#include <sstream>
#include <string>
#include <utility>

#include "core/kube/apply.hpp"
#include "core/kube/printer.hpp"
#include "core/mesh/execute.hpp"

namespace grpcmesh::testing {

inline std::pair<std::string, std::string> client_dry_run_yaml(const mesh::ChangeSet& changes) {
  std::istringstream in;
  std::ostringstream out;
  std::ostringstream err;
  Streams streams{in, out, err, false, false};
  kube::ApplyOptions apply;
  apply.dry_run = kube::DryRun::Client;
  kube::PrintOptions print;
  print.format = kube::OutputFormat::Yaml;
  mesh::execute(nullptr, changes, apply, print, streams);
  return {out.str(), err.str()};
}

}  // namespace grpcmesh::testing
