#include "core/util/dynamic_library.hpp"

#include <dlfcn.h>
#include <unistd.h>

#include <string>

namespace grpcmesh::util {
namespace {

[[noreturn]] void fail(const std::string& message) {
  // Called from inside forwarding functions, before or without iostreams.
  const std::string line = "error: " + message + "\n";
  (void)!write(STDERR_FILENO, line.data(), line.size());
  _exit(1);
}

}  // namespace

void* open_library_or_exit(const char* soname, int flags, const char* package) {
  void* handle = dlopen(soname, flags);
  if (handle == nullptr) {
    fail(std::string("cannot load ") + soname + " (" + dlerror() + "): install the " + package + " package");
  }
  return handle;
}

void* library_symbol_or_exit(void* library, const char* soname, const char* name, const char* package) {
  void* symbol = dlsym(library, name);
  if (symbol == nullptr) {
    fail(std::string(soname) + " has no " + name + ": install " + package);
  }
  return symbol;
}

}  // namespace grpcmesh::util
