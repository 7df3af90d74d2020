#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace grpcmesh::manifest {

// A TLS-terminating server: gRPC over HTTP/2 negotiated by ALPN.
struct HttpsServer {
  int port = 443;
  std::string credential_name;  // a Secret in the gateway WORKLOAD's namespace
  bool mutual = false;          // MUTUAL (client certificates) instead of SIMPLE
};

// A plaintext server clients reach with h2c (HTTP/2 prior knowledge).
struct PlaintextServer {
  int port = 80;
};

struct GatewayOptions {
  std::string name;
  std::string namespace_name;
  std::string api_version = "networking.istio.io/v1";
  std::string host;
  std::map<std::string, std::string> selector;  // the gateway workload's pod labels
  std::optional<HttpsServer> https;
  std::optional<PlaintextServer> plaintext;
};

// The Istio Gateway apply configuration for one host: an HTTPS server
// (tls SIMPLE or MUTUAL with credentialName) and/or a plaintext HTTP2 server
// with no tls block. Pure: no I/O, no validation beyond invariants.
nlohmann::json gateway(const GatewayOptions& options);

}  // namespace grpcmesh::manifest
