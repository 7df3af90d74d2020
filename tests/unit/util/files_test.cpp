#include "core/util/files.hpp"

#include <doctest/doctest.h>

#include <sys/stat.h>

#include <fstream>
#include <string>
#include <thread>

#include "core/util/error.hpp"
#include "tests/unit/kube/fixtures.hpp"
#include "tests/unit/mesh/fixtures.hpp"

using grpcmesh::testing::error_of;
using grpcmesh::util::FileText;
using grpcmesh::util::read_file;
using grpcmesh::util::read_option_file;

TEST_CASE("files: a whole file, bytes as they are") {
  grpcmesh::kube::testing::TempDir dir;
  const std::string content("-----BEGIN CERTIFICATE-----\r\n\0binary\n", 38);
  const std::string path = dir.write("ca.crt", content);
  CHECK(read_file(path) == content);
  CHECK(read_option_file(path, "--ca") == content);
  CHECK(read_file(dir.write("empty", "")) == std::string());
}

TEST_CASE("files: a missing file or a directory says why, naming the option") {
  grpcmesh::kube::testing::TempDir dir;
  std::string why;
  CHECK_FALSE(read_file(dir.file("missing.crt"), &why));
  CHECK(why == "No such file or directory");
  CHECK_FALSE(read_file(dir.path(), &why));
  CHECK(why == "Is a directory");
  CHECK(error_of([&] { read_option_file(dir.file("missing.crt"), "--client-ca"); }) ==
        "cannot read --client-ca " + dir.file("missing.crt") + ": No such file or directory");
  CHECK(error_of([&] { read_option_file(dir.path(), "--cert"); }) ==
        "cannot read --cert " + dir.path() + ": Is a directory");
}

TEST_CASE("files: FileText maps a regular file, reads a pipe, and fails like read_option_file") {
  grpcmesh::kube::testing::TempDir dir;
  const std::string content("kind: List\r\n\0items: []\n", 24);
  FileText mapped = FileText::open(dir.write("list.yaml", content), "-f");
  CHECK(mapped.view() == content);
  FileText moved(std::move(mapped));
  CHECK(moved.view() == content);
  CHECK(FileText::open(dir.write("empty.yaml", ""), "-f").view().empty());
  // A named pipe (as `-f <(kustomize build)` gives) cannot be mapped: it is read.
  const std::string fifo = dir.file("pipe.yaml");
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  std::thread writer([&] { std::ofstream(fifo) << "kind: Pod\n"; });
  CHECK(FileText::open(fifo, "-f").view() == "kind: Pod\n");
  writer.join();
  CHECK(error_of([&] { FileText::open(dir.file("missing.yaml"), "-f"); }) ==
        "cannot read -f " + dir.file("missing.yaml") + ": No such file or directory");
  CHECK(error_of([&] { FileText::open(dir.path(), "-f"); }) == "cannot read -f " + dir.path() + ": Is a directory");
}
