#pragma once

#include <string>
#include <string_view>

namespace grpcmesh::mesh {

// The protocol Istio gives a Service port: appProtocol when set (the name is
// then ignored), else the port name's prefix before the first '-'. Returns
// Istio's protocol name ("GRPC", "HTTP2", "HTTP", "TCP", ...) or "" when
// unrecognised (the gateway then speaks HTTP/1.1 upstream).
std::string istio_port_protocol(std::string_view port_name, std::string_view app_protocol);

// Whether the gateway reaches the port over HTTP/2 (GRPC, GRPC-WEB, HTTP2).
bool speaks_http2(std::string_view port_name, std::string_view app_protocol);

}  // namespace grpcmesh::mesh
