#include "core/util/dynamic_library.hpp"

#include <dlfcn.h>
#include <doctest/doctest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <functional>
#include <string>

namespace {

// Runs `body` in a child process; returns its exit code and what it wrote on stderr.
std::pair<int, std::string> in_child(const std::function<void()>& body) {
  int fds[2];
  REQUIRE(pipe(fds) == 0);
  pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    dup2(fds[1], STDERR_FILENO);
    close(fds[0]);
    body();
    _exit(0);
  }
  close(fds[1]);
  std::string err;
  char buf[512];
  for (ssize_t n; (n = read(fds[0], buf, sizeof buf)) > 0;) {
    err.append(buf, static_cast<size_t>(n));
  }
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, err};
}

}  // namespace

using grpcmesh::util::library_symbol_or_exit;
using grpcmesh::util::open_library_or_exit;

TEST_CASE("dynamic library: a present library and symbol are returned") {
  void* libc = open_library_or_exit("libc.so.6", RTLD_LAZY | RTLD_LOCAL, "libc6");
  REQUIRE(libc != nullptr);
  auto len = reinterpret_cast<size_t (*)(const char*)>(library_symbol_or_exit(libc, "libc.so.6", "strlen", "libc6"));
  CHECK(len("grpc") == 4);
}

TEST_CASE("dynamic library: a missing library or symbol ends the process with one line naming the package") {
  auto [code, err] = in_child([] { open_library_or_exit("libgrpcmesh-absent.so.9", RTLD_LAZY, "libabsent9"); });
  CHECK(code == 1);
  CHECK(err.rfind("error: cannot load libgrpcmesh-absent.so.9 (", 0) == 0);
  CHECK(err.ends_with("): install the libabsent9 package\n"));

  auto [code2, err2] = in_child([] {
    void* libc = open_library_or_exit("libc.so.6", RTLD_LAZY | RTLD_LOCAL, "libc6");
    library_symbol_or_exit(libc, "libc.so.6", "grpcmesh_no_such_function", "libc6 2.36 or newer");
  });
  CHECK(code2 == 1);
  CHECK(err2 == "error: libc.so.6 has no grpcmesh_no_such_function: install libc6 2.36 or newer\n");
}
