#include "core/util/staged_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <vector>

#include "core/util/error.hpp"

namespace grpcmesh::util {

StagedFile::StagedFile(std::string path, const std::string& content, mode_t mode, std::string flag)
    : path_(std::move(path)), flag_(std::move(flag)) {
  const std::filesystem::path target(path_);
  std::error_code ec;
  if (std::filesystem::is_directory(target, ec)) {
    throw Error(fmt::format("cannot write {} {}: it is a directory; pass a file path with {}", flag_, path_, flag_));
  }
  const std::filesystem::path dir = target.has_parent_path() ? target.parent_path() : std::filesystem::path(".");
  std::string name = (dir / ("." + target.filename().string() + ".XXXXXX")).string();
  std::vector<char> buffer(name.begin(), name.end());
  buffer.push_back('\0');
  const int fd = ::mkstemp(buffer.data());
  if (fd < 0) {
    throw Error(fmt::format("cannot write {} {}: {}; pass another path with {}", flag_, path_, std::strerror(errno),
                            flag_));
  }
  staged_.assign(buffer.data());
  bool ok = ::fchmod(fd, mode) == 0;
  size_t written = 0;
  while (ok && written < content.size()) {
    const ssize_t n = ::write(fd, content.data() + written, content.size() - written);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    ok = n > 0;
    written += ok ? static_cast<size_t>(n) : 0;
  }
  const int saved = errno;
  ok = ::close(fd) == 0 && ok;
  if (!ok) {
    discard();
    throw Error(fmt::format("cannot write {} {}: {}; pass another path with {}", flag_, path_,
                            std::strerror(saved != 0 ? saved : EIO), flag_));
  }
}

StagedFile::~StagedFile() { discard(); }

void StagedFile::commit() {
  if (staged_.empty()) {
    return;
  }
  if (std::rename(staged_.c_str(), path_.c_str()) != 0) {
    const int saved = errno;
    discard();
    throw Error(fmt::format("cannot write {} {}: {}", flag_, path_, std::strerror(saved)));
  }
  staged_.clear();
}

void StagedFile::discard() noexcept {
  if (!staged_.empty()) {
    ::unlink(staged_.c_str());
    staged_.clear();
  }
}

}  // namespace grpcmesh::util
