#pragma once
// A file written in two steps, so that a command whose cluster change fails
// leaves nothing on disk: stage() writes the content to a temporary file
// next to the target (so an unwritable path fails before anything else
// happens), commit() renames it into place, and a staged file that was never
// committed is removed when the object goes away (or by discard()). A file
// already at the target path is untouched until commit().

#include <sys/types.h>

#include <string>

namespace grpcmesh::util {

class StagedFile {
public:
  // Writes `content` with permissions `mode` to a temporary file in the
  // directory of `path`. Throws grpcmesh::Error naming `flag` (the option
  // that chose the path) when it cannot.
  StagedFile(std::string path, const std::string& content, mode_t mode, std::string flag);
  ~StagedFile();
  StagedFile(const StagedFile&) = delete;
  StagedFile& operator=(const StagedFile&) = delete;

  const std::string& path() const { return path_; }
  // Moves the staged content to path(); throws grpcmesh::Error when the rename fails.
  void commit();
  // Removes the staged content; path() is left as it was. Never throws.
  void discard() noexcept;

private:
  std::string path_;
  std::string staged_;  // empty once committed or discarded
  std::string flag_;
};

}  // namespace grpcmesh::util
