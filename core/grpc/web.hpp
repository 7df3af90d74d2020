#pragma once

#include <google/protobuf/descriptor.h>

#include "core/grpc/channel.hpp"
#include "core/grpc/codec.hpp"
#include "core/grpc/invoke.hpp"
#include "core/grpc/options.hpp"
#include "core/util/streams.hpp"

namespace grpcmesh::grpc {

// Calls a unary or server-streaming method over gRPC-Web with libcurl
// (--web: application/grpc-web+proto, --web-text: base64 chunks), over
// HTTP/1.1 or HTTP/2 (ALPN over TLS, --http2 for h2c). With --origin it first
// sends the browser's CORS preflight and reports what a browser would do;
// a call a browser would block is not made (Error, exit 1).
CallOutcome invoke_web(const google::protobuf::MethodDescriptor& method, Codec& codec, const Options& options,
                       const Target& target, const CallSettings& settings, Streams& streams);

}  // namespace grpcmesh::grpc
