#include "core/util/files.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/util/error.hpp"

namespace grpcmesh::util {

std::optional<std::string> read_file(const std::string& path, std::string* error) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    // an ifstream opens a directory and then reads nothing
    if (error != nullptr) {
      *error = std::strerror(EISDIR);
    }
    return std::nullopt;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (error != nullptr) {
      *error = std::strerror(errno);
    }
    return std::nullopt;
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string read_option_file(const std::string& path, std::string_view option) {
  std::string why;
  auto text = read_file(path, &why);
  if (!text) {
    throw Error(fmt::format("cannot read {} {}: {}", option, path, why));
  }
  return *text;
}

}  // namespace grpcmesh::util
