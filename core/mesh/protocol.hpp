#pragma once

#include <optional>
#include <string_view>

// The protocol Istio gives a Kubernetes Service port, and whether an ingress
// gateway then speaks HTTP/2 to it. The one implementation of Istio's rule:
// expose and check both call it.
//
// Mirrors istio/istio pkg/config/kube/conversion.go ConvertProtocol and
// pkg/config/protocol/instance.go (Parse, IsHTTP2, IsGRPC). The differential
// test (tests/e2e/protocol_oracle_test.cpp) runs Istio's own function over
// tests/testdata/protocols/table.json and compares every row.
namespace grpcmesh::mesh {

// Istio's protocol.Instance names, spelled exactly as Istio does.
namespace protocol {
inline constexpr std::string_view kGrpc = "GRPC";
inline constexpr std::string_view kGrpcWeb = "GRPC-Web";
inline constexpr std::string_view kHttp = "HTTP";
inline constexpr std::string_view kHttpProxy = "HTTP_PROXY";
inline constexpr std::string_view kHttp2 = "HTTP2";
inline constexpr std::string_view kHttps = "HTTPS";
inline constexpr std::string_view kTcp = "TCP";
inline constexpr std::string_view kTls = "TLS";
inline constexpr std::string_view kUdp = "UDP";
inline constexpr std::string_view kMongo = "Mongo";
inline constexpr std::string_view kRedis = "Redis";
inline constexpr std::string_view kMySql = "MySQL";
// An unrecognised name: sidecars sniff, gateways speak HTTP/1.1 upstream.
inline constexpr std::string_view kUnsupported = "UnsupportedProtocol";
}  // namespace protocol

// A Service port as ConvertProtocol reads it.
struct ServicePort {
  int port = 0;                                  // spec.ports[].port
  std::string_view name;                         // spec.ports[].name
  std::string_view protocol;                     // spec.ports[].protocol: TCP, UDP, SCTP ("" reads as TCP)
  std::optional<std::string_view> app_protocol;  // spec.ports[].appProtocol; nullopt when absent
};

// ConvertProtocol: UDP ports are UDP; otherwise appProtocol when set (even
// when empty), else the name. `kubernetes.io/h2c`, `kubernetes.io/ws` and
// `kubernetes.io/wss` (appProtocol only, exact case) are HTTP2, HTTP and
// HTTPS; a value starting `grpc-web` (any case) is GRPC-Web; otherwise the
// part before the first '-' is parsed case-insensitively. An unrecognised
// value is TCP on ports 25, 53, 3306 and 27017, else UnsupportedProtocol.
std::string_view convert_protocol(const ServicePort& port);

// protocol.Instance IsHTTP2: GRPC, GRPC-Web and HTTP2.
bool is_http2(std::string_view instance);
// protocol.Instance IsGRPC: GRPC and GRPC-Web.
bool is_grpc(std::string_view instance);

// Whether an ingress gateway speaks HTTP/2 to the port, without a
// DestinationRule: only when the protocol is HTTP/2 (setUpstreamProtocol in
// pilot/pkg/networking/core/cluster_builder.go; gateways never use the
// downstream protocol, so an unrecognised port gets HTTP/1.1).
bool gateway_speaks_http2(const ServicePort& port);

}  // namespace grpcmesh::mesh
