#include "core/util/files.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <utility>

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

FileText FileText::open(const std::string& path, std::string_view option) {
  FileText out;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  struct stat st {};
  if (fd >= 0 && ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) {
    void* map = ::mmap(nullptr, static_cast<size_t>(st.st_size), PROT_READ, MAP_PRIVATE, fd, 0);
    if (map != MAP_FAILED) {
      ::madvise(map, static_cast<size_t>(st.st_size), MADV_SEQUENTIAL);
      out.map_ = map;
      out.size_ = static_cast<size_t>(st.st_size);
    }
  }
  if (fd >= 0 && out.map_ == nullptr && !S_ISDIR(st.st_mode)) {
    // A pipe, a device or an empty file: read what this open gives. Opening
    // a named pipe again could wait for a writer that has already gone.
    char buffer[65536];
    for (;;) {
      const ssize_t n = ::read(fd, buffer, sizeof buffer);
      if (n < 0 && errno == EINTR) {
        continue;
      }
      if (n < 0) {
        const int error = errno;
        ::close(fd);
        throw Error(fmt::format("cannot read {} {}: {}", option, path, std::strerror(error)));
      }
      if (n == 0) {
        break;
      }
      out.text_.append(buffer, static_cast<size_t>(n));
    }
    ::close(fd);
    return out;
  }
  if (fd >= 0) {
    ::close(fd);
  }
  if (out.map_ == nullptr) {
    out.text_ = read_option_file(path, option);  // its wording for what cannot be read
  }
  return out;
}

FileText::FileText(FileText&& other) noexcept
    : map_(std::exchange(other.map_, nullptr)), size_(std::exchange(other.size_, 0)), text_(std::move(other.text_)) {}

FileText::~FileText() {
  if (map_ != nullptr) {
    ::munmap(map_, size_);
  }
}

std::string_view FileText::view() const {
  return map_ != nullptr ? std::string_view(static_cast<const char*>(map_), size_) : std::string_view(text_);
}

}  // namespace grpcmesh::util
