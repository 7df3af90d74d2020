#include "core/mesh/protocol.hpp"

#include <doctest/doctest.h>

#include <set>
#include <string>

#include "tests/unit/mesh/protocol_table.hpp"

using namespace grpcmesh::mesh;
using grpcmesh::testing::protocol_table;

namespace {

std::string_view of(int port, std::string_view name, std::string_view k8s, std::optional<std::string_view> app) {
  return convert_protocol(ServicePort{port, name, k8s, app});
}

}  // namespace

TEST_CASE("protocol: every row of the table resolves as Istio resolved it") {
  const auto table = protocol_table();
  REQUIRE(table.size() >= 200);
  for (const auto& row : table) {
    INFO(row.describe());
    CHECK(convert_protocol(row.view()) == row.istio);
    CHECK(is_http2(convert_protocol(row.view())) == row.http2);
    CHECK(is_grpc(convert_protocol(row.view())) == row.grpc);
    CHECK(gateway_speaks_http2(row.view()) == row.http2);
  }
}

TEST_CASE("protocol: the table covers every protocol ConvertProtocol can return") {
  std::set<std::string> answers;
  for (const auto& row : protocol_table()) {
    answers.insert(row.istio);
  }
  for (std::string_view p : {protocol::kGrpc, protocol::kGrpcWeb, protocol::kHttp, protocol::kHttpProxy,
                             protocol::kHttp2, protocol::kHttps, protocol::kTcp, protocol::kTls, protocol::kUdp,
                             protocol::kMongo, protocol::kRedis, protocol::kMySql, protocol::kUnsupported}) {
    CHECK_MESSAGE(answers.count(std::string(p)) == 1, p);
  }
}

TEST_CASE("protocol: appProtocol is read like a port name, cut at the first '-'") {
  CHECK(of(50051, "tcp-data", "TCP", "grpc-v2") == "GRPC");
  CHECK(of(50051, "tcp-data", "TCP", "GRPC-Web-v2") == "GRPC-Web");
  CHECK(of(50051, "grpc", "TCP", "http") == "HTTP");
  CHECK(of(50051, "grpc", "TCP", "kubernetes.io/grpc") == "UnsupportedProtocol");
  // set but empty: the name is still ignored
  CHECK(of(50051, "grpc", "TCP", "") == "UnsupportedProtocol");
}

TEST_CASE("protocol: Kubernetes' appProtocol names are exact and for appProtocol only") {
  CHECK(of(80, "", "TCP", "kubernetes.io/h2c") == "HTTP2");
  CHECK(of(80, "", "TCP", "kubernetes.io/ws") == "HTTP");
  CHECK(of(80, "", "TCP", "kubernetes.io/wss") == "HTTPS");
  CHECK(of(80, "", "TCP", "Kubernetes.io/H2C") == "UnsupportedProtocol");
  CHECK(of(80, "kubernetes.io/h2c", "TCP", std::nullopt) == "UnsupportedProtocol");
}

TEST_CASE("protocol: UDP, well-known ports and names Istio does not parse") {
  CHECK(of(50051, "grpc", "UDP", "grpc") == "UDP");
  CHECK(of(50051, "grpc", "udp", std::nullopt) == "GRPC");   // only corev1.ProtocolUDP, exactly
  CHECK(of(50051, "grpc", "SCTP", std::nullopt) == "GRPC");
  CHECK(of(3306, "data", "TCP", std::nullopt) == "TCP");
  CHECK(of(3306, "http", "TCP", std::nullopt) == "HTTP");
  CHECK(of(3307, "data", "TCP", std::nullopt) == "UnsupportedProtocol");
  CHECK(of(50051, "hbone", "TCP", std::nullopt) == "UnsupportedProtocol");
  CHECK(of(50051, "RED\xC4\xB0S", "TCP", std::nullopt) == "Redis");  // Go lower-cases U+0130 to 'i'
  CHECK_FALSE(gateway_speaks_http2(ServicePort{50051, "api", "TCP", std::nullopt}));
  CHECK(gateway_speaks_http2(ServicePort{50051, "GRPC-web", "TCP", std::nullopt}));
}
