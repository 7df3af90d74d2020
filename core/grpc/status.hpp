#pragma once

#include <string>
#include <string_view>

namespace grpcmesh::grpc {

// gRPC status codes by number (0..16), independent of the gRPC headers.
// Names as grpcurl prints them (Go's codes.Code.String(): "NotFound").
std::string code_name(int code);
// The canonical upper-case name ("NOT_FOUND"), as in latency summaries.
std::string code_constant(int code);
// The exit code grpcurl uses for a call that ended with `code`: 0 for OK,
// 64 + code otherwise.
int exit_code_for(int code);
// The gRPC code a client must assume for an HTTP status when the response has
// no grpc-status (PROTOCOL-HTTP2.md): 400 INTERNAL, 401 UNAUTHENTICATED,
// 403 PERMISSION_DENIED, 404 UNIMPLEMENTED, 429/502/503/504 UNAVAILABLE,
// anything else UNKNOWN.
int code_for_http_status(long http_status);

}  // namespace grpcmesh::grpc
