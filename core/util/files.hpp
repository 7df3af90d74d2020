#pragma once
// Reading whole files: the one place every command and library part reads a
// file it was pointed at (a kubeconfig, a token file, a PEM file named by an
// option).

#include <optional>
#include <string>
#include <string_view>

namespace grpcmesh::util {

// The whole file, or nothing when it cannot be read (`error`, when given,
// says why: "No such file or directory", "Is a directory", ...).
std::optional<std::string> read_file(const std::string& path, std::string* error = nullptr);

// The whole file named by the option `option` (e.g. "--cert"); throws
// grpcmesh::Error "cannot read --cert tls.crt: No such file or directory"
// when it cannot be read.
std::string read_option_file(const std::string& path, std::string_view option);

}  // namespace grpcmesh::util
