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
// The files `paths` name, in the order they are read: each file as given,
// each directory's *.yaml, *.yml and *.json recursively in name order, and
// "-" as itself. Throws grpcmesh::Error for a path that does not exist or a
// directory that cannot be read.
std::vector<std::string> manifest_files(const std::vector<std::string>& paths);

size_t load_files(Snapshot& snapshot, const std::vector<std::string>& paths, std::istream& in,
                  const std::string& default_namespace);

}  // namespace grpcmesh::check
