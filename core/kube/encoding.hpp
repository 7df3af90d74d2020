#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace grpcmesh::kube {

// Standard base64 (padding optional, whitespace ignored); nothing on bad input.
std::optional<std::string> base64_decode(std::string_view text);
std::string base64_encode(std::string_view bytes);

// The directory part of a path ("." for a bare file name).
std::string dir_name(const std::string& path);

// `path` made absolute against `base_dir` unless it already is (or is empty).
std::string resolve_path(const std::string& path, const std::string& base_dir);

}  // namespace grpcmesh::kube
