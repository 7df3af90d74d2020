#pragma once

#include <string>

#include "core/grpc/cors.hpp"
#include "core/grpc/options.hpp"
#include "core/grpc/transport.hpp"
#include "core/util/streams.hpp"

namespace grpcmesh::grpc {

// gRPC-Web calls are ordinary calls on a Connection with Wire::kWeb or
// Wire::kWebText (--web: application/grpc-web+proto, --web-text: base64
// chunks), over HTTP/1.1 or HTTP/2 (ALPN over TLS, --http2 for h2c). What is
// particular to them is what a browser adds: --origin.

// The wire of --web / --web-text.
Wire web_wire(const Options& options);

// --origin: sends the browser's CORS preflight for `path` over the
// connection, prints each check on stderr and throws Error (exit 1) when a
// browser would block the call; otherwise adds the Origin header to the
// connection's later calls.
void cors_preflight(Connection& connection, const std::string& path, const Options& options,
                    const CallSettings& settings, Streams& streams);

// --origin, after the call: may the page read the response, and see its
// status? Prints the checks; throws Error when a browser would block it.
void cors_response(const HttpHead& head, const Options& options, Streams& streams);

}  // namespace grpcmesh::grpc
