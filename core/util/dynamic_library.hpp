#pragma once

// Shared libraries loaded on first use (libcurl for the client core, libssl
// for grpcurl's TLS connections), so commands that never need them start
// without them. There is no way on without the library, so a missing library
// or symbol ends the process with one line naming the package to install.

#include <mutex>

namespace grpcmesh::util {

// dlopen(soname, flags), or exit 1 with "error: cannot load LIB (...): install
// the PACKAGE package".
void* open_library_or_exit(const char* soname, int flags, const char* package);

// dlsym(library, name), or exit 1 with "error: SONAME has no NAME: install
// PACKAGE".
void* library_symbol_or_exit(void* library, const char* soname, const char* name, const char* package);

// A library opened on first use: handle() dlopens it (once, thread-safe),
// symbol() looks a function up in it; both exit like the functions above.
class LazyLibrary {
 public:
  constexpr LazyLibrary(const char* soname, int flags, const char* package)
      : soname_(soname), flags_(flags), package_(package) {}

  void* handle() const {
    std::call_once(once_, [this] { handle_ = open_library_or_exit(soname_, flags_, package_); });
    return handle_;
  }
  template <typename F>
  F symbol(const char* name) const {
    return reinterpret_cast<F>(library_symbol_or_exit(handle(), soname_, name, package_));
  }

 private:
  const char* soname_;
  int flags_;
  const char* package_;
  mutable std::once_flag once_;
  mutable void* handle_ = nullptr;
};

}  // namespace grpcmesh::util

// Defines the C function RET NAME PARAMS forwarding to NAME of `library` (a
// LazyLibrary), looked up on the first call. The library's own header checks
// the signature.
#define GRPCMESH_FORWARD(library, ret, name, params, args)                             \
  ret name params {                                                                  \
    static const auto fn = (library).symbol<decltype(&::name)>(#name);      \
    return fn args;                                                                  \
  }
