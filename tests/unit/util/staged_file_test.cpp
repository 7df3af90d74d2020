#include "core/util/staged_file.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/util/error.hpp"
#include "tests/unit/kube/fixtures.hpp"

namespace fs = std::filesystem;
using grpcmesh::util::StagedFile;

namespace {

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

size_t entries(const std::string& dir) {
  return static_cast<size_t>(std::distance(fs::directory_iterator(dir), fs::directory_iterator()));
}

}  // namespace

TEST_CASE("staged file: nothing at the path until commit, then the content with the mode asked for") {
  grpcmesh::kube::testing::TempDir dir;
  const std::string path = dir.file("ca.crt");
  {
    StagedFile f(path, "CA PEM\n", 0600, "--ca-out");
    CHECK_FALSE(fs::exists(path));
    CHECK(entries(dir.path()) == 1);  // the staged copy, next to the target
    f.commit();
  }
  CHECK(slurp(path) == "CA PEM\n");
  CHECK((fs::status(path).permissions() & fs::perms::all) == (fs::perms::owner_read | fs::perms::owner_write));
  CHECK(entries(dir.path()) == 1);
}

TEST_CASE("staged file: never committed, it leaves the directory as it was and an older file untouched") {
  grpcmesh::kube::testing::TempDir dir;
  const std::string path = dir.write("ca.crt", "OLD\n");
  { StagedFile f(path, "NEW\n", 0644, "--ca-out"); }
  CHECK(slurp(path) == "OLD\n");
  CHECK(entries(dir.path()) == 1);

  StagedFile g(path, "NEW\n", 0644, "--ca-out");
  g.discard();
  g.commit();  // nothing staged any more: a no-op
  CHECK(slurp(path) == "OLD\n");
  CHECK(entries(dir.path()) == 1);
}

TEST_CASE("staged file: an unwritable path is one clear error naming the flag, before anything is written") {
  grpcmesh::kube::testing::TempDir dir;
  try {
    StagedFile f(dir.file("missing/ca.crt"), "x", 0644, "--ca-out");
    FAIL("no error");
  } catch (const grpcmesh::Error& e) {
    CHECK(std::string(e.what()) == "cannot write --ca-out " + dir.file("missing/ca.crt") +
                                       ": No such file or directory; pass another path with --ca-out");
  }
  try {
    StagedFile f(dir.path(), "x", 0644, "--ca-key-out");
    FAIL("no error");
  } catch (const grpcmesh::Error& e) {
    CHECK(std::string(e.what()) ==
          "cannot write --ca-key-out " + dir.path() + ": it is a directory; pass a file path with --ca-key-out");
  }
  CHECK(entries(dir.path()) == 0);
}
