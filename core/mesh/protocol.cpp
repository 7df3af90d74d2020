#include "core/mesh/protocol.hpp"

#include <array>
#include <string>
#include <utility>

// Every rule below is istio/istio pkg/config/kube/conversion.go
// (ConvertProtocol) and pkg/config/protocol/instance.go, read at the pinned
// module version (tests/peers/istio/go.mod).
namespace grpcmesh::mesh {
namespace {

char ascii_lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

// Go's strings.ToLower, as far as it can turn a value into one of Parse's
// (ASCII) keywords: ASCII letters, plus U+0130 (LATIN CAPITAL LETTER I WITH
// DOT ABOVE), which Go lower-cases to 'i' ("RED\u0130S" is Redis). The only
// other code point with an ASCII lower case, U+212A (KELVIN SIGN -> 'k'),
// cannot make a keyword: none has a 'k'.
std::string go_lower(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s.substr(i, 2) == "\xC4\xB0") {
      out += 'i';
      ++i;
    } else {
      out += ascii_lower(s[i]);
    }
  }
  return out;
}

// protocol.Parse. Its case "DoubleHBONE" compares with a lower-cased value
// and so never matches; "hbone" is not a case at all.
std::string_view parse(std::string_view value) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 12> kTable{{
      {"tcp", protocol::kTcp},
      {"udp", protocol::kUdp},
      {"grpc", protocol::kGrpc},
      {"grpc-web", protocol::kGrpcWeb},
      {"http", protocol::kHttp},
      {"http_proxy", protocol::kHttpProxy},
      {"http2", protocol::kHttp2},
      {"https", protocol::kHttps},
      {"tls", protocol::kTls},
      {"mongo", protocol::kMongo},
      {"redis", protocol::kRedis},
      {"mysql", protocol::kMySql},
  }};
  const std::string v = go_lower(value);
  for (const auto& [key, instance] : kTable) {
    if (v == key) {
      return instance;
    }
  }
  return protocol::kUnsupported;
}

// strings.EqualFold(name[:len("GRPC-Web")], "GRPC-Web"): ASCII folding is
// exact here, as no other code point folds to a letter of "grpc-web".
bool starts_with_grpc_web(std::string_view name) {
  constexpr std::string_view kPrefix = "grpc-web";
  if (name.size() < kPrefix.size()) {
    return false;
  }
  for (size_t i = 0; i < kPrefix.size(); ++i) {
    if (ascii_lower(name[i]) != kPrefix[i]) {
      return false;
    }
  }
  return true;
}

// wellKnownPorts: SMTP, DNS, MySQL, MongoDB.
bool well_known(int port) { return port == 25 || port == 53 || port == 3306 || port == 27017; }

}  // namespace

std::string_view convert_protocol(const ServicePort& port) {
  // corev1.ProtocolUDP, compared exactly ("udp" is not UDP).
  if (port.protocol == "UDP") {
    return protocol::kUdp;
  }
  std::string_view name = port.name;
  if (port.app_protocol) {
    name = *port.app_protocol;
    // Kubernetes' standard appProtocol names, exact (appProtocol only).
    if (name == "kubernetes.io/h2c") {
      return protocol::kHttp2;
    }
    if (name == "kubernetes.io/ws") {
      return protocol::kHttp;
    }
    if (name == "kubernetes.io/wss") {
      return protocol::kHttps;
    }
  }
  if (starts_with_grpc_web(name)) {
    return protocol::kGrpcWeb;
  }
  name = name.substr(0, name.find('-'));
  std::string_view parsed = parse(name);
  if (parsed == protocol::kUnsupported && well_known(port.port)) {
    return protocol::kTcp;
  }
  return parsed;
}

bool is_http2(std::string_view instance) {
  return instance == protocol::kHttp2 || instance == protocol::kGrpc || instance == protocol::kGrpcWeb;
}

bool is_grpc(std::string_view instance) { return instance == protocol::kGrpc || instance == protocol::kGrpcWeb; }

bool gateway_speaks_http2(const ServicePort& port) { return is_http2(convert_protocol(port)); }

}  // namespace grpcmesh::mesh
