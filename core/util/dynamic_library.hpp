#pragma once

// Shared libraries loaded on first use (libcurl for the client core, libssl
// for grpcurl's TLS connections), so commands that never need them start
// without them. There is no way on without the library, so a missing library
// or symbol ends the process with one line naming the package to install.

namespace grpcmesh::util {

// dlopen(soname, flags), or exit 1 with "error: cannot load LIB (...): install
// the PACKAGE package".
void* open_library_or_exit(const char* soname, int flags, const char* package);

// dlsym(library, name), or exit 1 with "error: SONAME has no NAME: install
// PACKAGE".
void* library_symbol_or_exit(void* library, const char* soname, const char* name, const char* package);

}  // namespace grpcmesh::util
