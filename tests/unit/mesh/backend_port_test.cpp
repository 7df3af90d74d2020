#include "core/mesh/backend_port.hpp"

#include <doctest/doctest.h>

#include "core/util/error.hpp"

using grpcmesh::mesh::BackendPort;
using grpcmesh::mesh::backend_ports;
using grpcmesh::mesh::pick_backend_port;
using nlohmann::json;

namespace {

json service(json ports) { return json{{"spec", {{"ports", std::move(ports)}}}}; }

std::string error_of(const std::optional<int>& port, const std::optional<json>& svc) {
  try {
    pick_backend_port("apps", "greeter", port, svc);
  } catch (const grpcmesh::Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("backend port: appProtocol absent, empty and set stay apart, protocol defaults to TCP") {
  const auto ports = backend_ports(service(json::array({
      {{"name", "grpc"}, {"port", 50051}},
      {{"name", "h2"}, {"port", 8080}, {"appProtocol", ""}, {"protocol", "SCTP"}},
      {{"port", 9000}, {"appProtocol", "kubernetes.io/h2c"}},
  })));
  REQUIRE(ports.size() == 3);
  CHECK(ports[0].protocol == "TCP");
  CHECK_FALSE(ports[0].app_protocol.has_value());
  CHECK(ports[1].app_protocol == std::optional<std::string>{""});
  CHECK(ports[1].protocol == "SCTP");
  CHECK(ports[2].name.empty());
  CHECK(ports[2].app_protocol == std::optional<std::string>{"kubernetes.io/h2c"});
  CHECK(backend_ports(json::object()).empty());
}

TEST_CASE("backend port: --port picks among several, the only port needs none") {
  const json two = service(json::array({{{"name", "metrics"}, {"port", 9090}}, {{"port", 50051}}}));
  CHECK(pick_backend_port("apps", "greeter", 50051, two).port == 50051);
  CHECK(pick_backend_port("apps", "greeter", std::nullopt, service(json::array({{{"name", "grpc"}, {"port", 7}}})))
            .name == "grpc");
  CHECK(error_of(std::nullopt, two) ==
        "Service apps/greeter has several ports (metrics 9090, 50051); pick the gRPC one with --port");
  CHECK(error_of(1234, two) ==
        "Service apps/greeter has no port 1234 (ports: metrics 9090, 50051); pass one of them with --port");
  CHECK(error_of(std::nullopt, service(json::array())) ==
        "Service apps/greeter has no ports; add the gRPC port to it first");
}

TEST_CASE("backend port: without the Service (--dry-run=client) --port is taken as given, and required") {
  const BackendPort p = pick_backend_port("apps", "greeter", 50051, std::nullopt);
  CHECK(p.port == 50051);
  CHECK(p.protocol == "TCP");
  CHECK_THROWS_AS(pick_backend_port("apps", "greeter", std::nullopt, std::nullopt), grpcmesh::UsageError);
}
