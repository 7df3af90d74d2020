#pragma once

#include <string>

namespace grpcmesh::grpc {

// What a direct look at a server's port says about a failed connection.
struct ProbeRequest {
  std::string address;  // host:port
  bool plaintext = false;
  bool insecure = false;
  std::string cacert;      // PEM file; empty: the system trust store
  std::string servername;  // name the certificate must match
  double timeout_seconds = 5;
  bool client_certificate = false;  // -cert/-key given
};

// Connects a TCP socket to host:port (any address the name resolves to)
// within timeout_ms. Returns the socket (blocking, with send and receive
// timeouts of timeout_ms), or -1 with a one-line reason in `error`.
int connect_tcp(const std::string& address, int timeout_ms, std::string& error);

// One line saying why a gRPC connection to the address fails and which flag
// fixes it, or an empty string when the probe finds nothing wrong.
std::string diagnose_connection(const ProbeRequest& request);

}  // namespace grpcmesh::grpc
