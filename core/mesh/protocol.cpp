#include "core/mesh/protocol.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <utility>

namespace grpcmesh::mesh {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

// istio/istio pkg/config/protocol/instance.go Parse, plus the Kubernetes
// appProtocol values ConvertProtocol maps (kubernetes.io/h2c -> HTTP2,
// kubernetes.io/ws and wss -> HTTP/HTTPS). kubernetes.io/grpc is not one.
std::string parse(std::string_view value) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 16> kTable{{
      {"tcp", "TCP"},
      {"udp", "UDP"},
      {"grpc", "GRPC"},
      {"grpc-web", "GRPC-Web"},
      {"http", "HTTP"},
      {"http_proxy", "HTTP_PROXY"},
      {"http2", "HTTP2"},
      {"https", "HTTPS"},
      {"tls", "TLS"},
      {"mongo", "Mongo"},
      {"redis", "Redis"},
      {"mysql", "MySQL"},
      {"kubernetes.io/h2c", "HTTP2"},
      {"kubernetes.io/ws", "HTTP"},
      {"kubernetes.io/wss", "HTTPS"},
      {"hbone", "HBONE"},
  }};
  const std::string v = lower(value);
  for (const auto& [key, protocol] : kTable) {
    if (v == key) {
      return std::string(protocol);
    }
  }
  return "";
}

}  // namespace

std::string istio_port_protocol(std::string_view port_name, std::string_view app_protocol) {
  if (!app_protocol.empty()) {
    return parse(app_protocol);
  }
  const std::string name(port_name);
  // A name starting "grpc-web" is gRPC-Web; otherwise the prefix before '-'.
  if (lower(name).rfind("grpc-web", 0) == 0) {
    return "GRPC-Web";
  }
  return parse(name.substr(0, name.find('-')));
}

bool speaks_http2(std::string_view port_name, std::string_view app_protocol) {
  const std::string p = istio_port_protocol(port_name, app_protocol);
  return p == "GRPC" || p == "GRPC-Web" || p == "HTTP2";
}

}  // namespace grpcmesh::mesh
