#pragma once

#include <iosfwd>
#include <string>
#include <vector>

#include "core/check/snapshot.hpp"

namespace grpcmesh::check {

// Reads manifests into the snapshot: each path is a file, a directory (read
// recursively: *.yaml, *.yml, *.json, in name order) or "-" for `in`.
// Multi-document YAML, JSON and v1 List kinds are accepted. Objects without a
// namespace get `default_namespace`. Objects replace same-named ones already
// in the snapshot (files overlaid on a cluster). Throws grpcmesh::Error naming
// the file and line on malformed input, and when no object was found at all.
// Returns the number of objects read.
size_t load_files(Snapshot& snapshot, const std::vector<std::string>& paths, std::istream& in,
                  const std::string& default_namespace);

}  // namespace grpcmesh::check
