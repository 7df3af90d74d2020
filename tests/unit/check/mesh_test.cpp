#include "core/check/mesh.hpp"

#include <doctest/doctest.h>

#include "tests/unit/mesh/protocol_table.hpp"

using namespace grpcmesh::check;
using nlohmann::json;

namespace {
mesh::PortProtocol protocol_of(const json& port) { return mesh::port_protocol(Tree(port).root()); }
}  // namespace

TEST_CASE("mesh: appProtocol decides the port protocol, else the port name prefix") {
  CHECK(protocol_of(json{{"name", "grpc-api"}}).protocol == "GRPC");
  CHECK(protocol_of(json{{"name", "grpc-web-ui"}}).protocol == "GRPC-Web");
  CHECK(protocol_of(json{{"name", "http2"}}).protocol == "HTTP2");
  CHECK(protocol_of(json{{"name", "GRPC"}}).protocol == "GRPC");
  // appProtocol wins over the name entirely
  auto p = protocol_of(json{{"name", "grpc"}, {"appProtocol", "http"}});
  CHECK(p.protocol == "HTTP");
  CHECK(p.from_app_protocol);
  CHECK(protocol_of(json{{"name", "web"}, {"appProtocol", "kubernetes.io/h2c"}}).protocol == "HTTP2");
  // and is cut at the first '-' like a name
  CHECK(protocol_of(json{{"name", "tcp"}, {"appProtocol", "grpc-v2"}}).protocol == "GRPC");
  // kubernetes.io/grpc is not an Istio protocol: unrecognised, name ignored
  auto unknown = protocol_of(json{{"name", "grpc"}, {"appProtocol", "kubernetes.io/grpc"}});
  CHECK_FALSE(unknown.recognised);
  CHECK(unknown.protocol == "UnsupportedProtocol");
  CHECK_FALSE(protocol_of(json{{"name", "api"}}).recognised);
  CHECK_FALSE(protocol_of(json{{"port", 80}}).recognised);
  // an unrecognised name on a well-known port is TCP
  CHECK(protocol_of(json{{"port", 3306}, {"name", "db"}}).protocol == "TCP");
  // UDP whatever appProtocol says, which therefore does not count
  auto udp = protocol_of(json{{"port", 53}, {"protocol", "UDP"}, {"appProtocol", "grpc"}});
  CHECK(udp.protocol == "UDP");
  CHECK_FALSE(udp.from_app_protocol);
  CHECK(mesh::protocol_from_name(Tree(json{{"name", "grpc-x"}, {"appProtocol", "http"}}).root()) == "GRPC");
  CHECK(mesh::protocol_from_name(Tree(json{{"name", "x"}, {"appProtocol", "http"}}).root()).empty());
  CHECK(mesh::is_http2("GRPC"));
  CHECK(mesh::is_http2("GRPC-Web"));
  CHECK(mesh::is_http2("HTTP2"));
  CHECK_FALSE(mesh::is_http2("HTTP"));
}

TEST_CASE("mesh: Service ports read from objects resolve as Istio resolved every row of the protocol table") {
  for (const auto& row : grpcmesh::testing::protocol_table()) {
    INFO(row.describe());
    mesh::PortProtocol p = protocol_of(row.port);
    CHECK(p.protocol == row.istio);
    CHECK(p.recognised == (row.istio != "UnsupportedProtocol"));
    CHECK(mesh::is_http2(p.protocol) == row.http2);
    CHECK(mesh::is_grpc(p.protocol) == row.grpc);
  }
}

TEST_CASE("mesh: destination hosts resolve like Istio's short names") {
  CHECK(mesh::service_for_host("greeter", "apps") == mesh::NamespacedName{"apps", "greeter"});
  CHECK(mesh::service_for_host("greeter.other.svc.cluster.local", "apps") == mesh::NamespacedName{"other", "greeter"});
  CHECK_FALSE(mesh::service_for_host("api.example.com", "apps").has_value());
  CHECK_FALSE(mesh::service_for_host("greeter.other", "apps").has_value());
}

TEST_CASE("mesh: gateway host matching with wildcards and namespace prefixes") {
  CHECK(mesh::host_matches("*", "grpc.example.com"));
  CHECK(mesh::host_matches("*.example.com", "grpc.example.com"));
  CHECK_FALSE(mesh::host_matches("*.example.com", "example.com"));
  CHECK_FALSE(mesh::host_matches("grpc.example.com", "api.example.com"));
  CHECK(mesh::server_host("default/grpc.example.com") == "grpc.example.com");
}

TEST_CASE("mesh: durations in Istio's syntax") {
  using namespace std::chrono_literals;
  CHECK(mesh::parse_duration("30s") == std::chrono::nanoseconds(30s));
  CHECK(mesh::parse_duration("1.5s") == std::chrono::nanoseconds(1500ms));
  CHECK(mesh::parse_duration("1h30m") == std::chrono::nanoseconds(90min));
  CHECK(mesh::parse_duration("100ms") == std::chrono::nanoseconds(100ms));
  CHECK(mesh::parse_duration("0s") == std::chrono::nanoseconds(0));
  CHECK_FALSE(mesh::parse_duration("30").has_value());
  CHECK_FALSE(mesh::parse_duration("forever").has_value());
  CHECK_FALSE(mesh::parse_duration("").has_value());
}

TEST_CASE("mesh: gRPC paths") {
  CHECK(mesh::looks_like_grpc_path("/helloworld.Greeter/"));
  CHECK(mesh::looks_like_grpc_path("/helloworld.Greeter/SayHello"));
  CHECK(mesh::looks_like_grpc_path("/helloworld.Greeter"));
  CHECK_FALSE(mesh::looks_like_grpc_path("/api/v1"));
  CHECK_FALSE(mesh::looks_like_grpc_path("helloworld.Greeter/"));
}
