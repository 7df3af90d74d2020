#pragma once

#include <google/protobuf/descriptor.h>

#include <string>

#include "core/grpc/codec.hpp"
#include "core/grpc/options.hpp"
#include "core/grpc/transport.hpp"
#include "core/util/streams.hpp"

namespace grpcmesh::grpc {

// "/pkg.Service/Method", the HTTP/2 path of a method.
std::string method_path(const google::protobuf::MethodDescriptor& method);

// Calls `method` once (any of the four kinds) over `connection`, printing
// responses and, with -v, metadata the way grpcurl does. Requests of a
// client or bidirectional stream are read on their own thread, so responses
// print while stdin is still being read. `response_head`, when given,
// receives the HTTP response head (for the CORS check of --origin).
CallOutcome invoke(Connection& connection, const google::protobuf::MethodDescriptor& method, Codec& codec,
                   const Options& options, const CallSettings& settings, Streams& streams,
                   HttpHead* response_head = nullptr);

// Prints grpcurl's report of a failed call ("ERROR:\n  Code: ...") or, with
// -format-error, the status as JSON; both on stderr.
void print_status_error(const CallOutcome& outcome, const Options& options, Streams& streams);

}  // namespace grpcmesh::grpc
