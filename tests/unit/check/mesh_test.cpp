#include "core/check/mesh.hpp"

#include <doctest/doctest.h>

using namespace grpcmesh::check;
using nlohmann::json;

namespace {
mesh::PortProtocol protocol_of(const json& port) { return mesh::port_protocol(Tree(port).root()); }
}  // namespace

TEST_CASE("mesh: appProtocol decides the port protocol, else the port name prefix") {
  CHECK(protocol_of(json{{"name", "grpc-api"}}).protocol == "GRPC");
  CHECK(protocol_of(json{{"name", "grpc-web-ui"}}).protocol == "GRPC-WEB");
  CHECK(protocol_of(json{{"name", "http2"}}).protocol == "HTTP2");
  CHECK(protocol_of(json{{"name", "GRPC"}}).protocol == "GRPC");
  // appProtocol wins over the name entirely
  auto p = protocol_of(json{{"name", "grpc"}, {"appProtocol", "http"}});
  CHECK(p.protocol == "HTTP");
  CHECK(p.from_app_protocol);
  CHECK(protocol_of(json{{"name", "web"}, {"appProtocol", "kubernetes.io/h2c"}}).protocol == "HTTP2");
  // kubernetes.io/grpc is not an Istio protocol: TCP, name ignored
  auto unknown = protocol_of(json{{"name", "grpc"}, {"appProtocol", "kubernetes.io/grpc"}});
  CHECK_FALSE(unknown.recognised);
  CHECK(unknown.protocol == "TCP");
  CHECK_FALSE(protocol_of(json{{"name", "api"}}).recognised);
  CHECK(protocol_of(json{{"port", 80}}).protocol == "TCP");
  CHECK(mesh::is_http2("GRPC"));
  CHECK(mesh::is_http2("HTTP2"));
  CHECK_FALSE(mesh::is_http2("HTTP"));
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
