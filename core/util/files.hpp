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

// A file's text, to be read through once. A regular file is mapped
// read-only, so its bytes stay in the page cache instead of being copied into
// the heap (where a large one would outlive its use as fragmentation); a pipe,
// a device or an empty file is read as read_option_file() reads it, with its
// errors. The file must not be truncated while the text is in use.
class FileText {
 public:
  static FileText open(const std::string& path, std::string_view option);
  FileText(FileText&& other) noexcept;
  FileText& operator=(FileText&&) = delete;
  FileText(const FileText&) = delete;
  FileText& operator=(const FileText&) = delete;
  ~FileText();

  std::string_view view() const;

 private:
  FileText() = default;
  void* map_ = nullptr;
  size_t size_ = 0;
  std::string text_;  // when not mapped
};

}  // namespace grpcmesh::util
