// zlib, loaded when a response first arrives gzip-encoded (the client core's
// HTTP/2 transport inflates list responses), so commands that never read one
// start without it. As core/util/curl_loader.cpp does for libcurl, the
// functions the code calls are defined here and forward to the real ones,
// looked up in libz.so.1 on the first call; zlib.h checks their signatures.
#include <dlfcn.h>
#include <zlib.h>

#include "core/util/dynamic_library.hpp"

namespace {

constinit const grpcmesh::util::LazyLibrary kLibz("libz.so.1", RTLD_LAZY | RTLD_LOCAL, "zlib1g");

}  // namespace

#define GRPCMESH_ZLIB(ret, name, params, args) GRPCMESH_FORWARD(kLibz, ret, name, params, args)

extern "C" {

GRPCMESH_ZLIB(int, inflateInit2_, (z_streamp strm, int windowBits, const char* version, int stream_size),
              (strm, windowBits, version, stream_size))
GRPCMESH_ZLIB(int, inflate, (z_streamp strm, int flush), (strm, flush))
GRPCMESH_ZLIB(int, inflateEnd, (z_streamp strm), (strm))

}  // extern "C"
