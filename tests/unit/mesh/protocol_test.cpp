#include "core/mesh/protocol.hpp"

#include <doctest/doctest.h>

using namespace grpcmesh::mesh;

TEST_CASE("protocol: appProtocol wins over the port name") {
  CHECK(istio_port_protocol("grpc", "http") == "HTTP");
  CHECK_FALSE(speaks_http2("grpc", "http"));
  CHECK(istio_port_protocol("tcp-x", "grpc") == "GRPC");
  CHECK(speaks_http2("web", "kubernetes.io/h2c"));
  CHECK(istio_port_protocol("grpc", "kubernetes.io/grpc") == "");  // not recognised by Istio
  CHECK_FALSE(speaks_http2("grpc", "kubernetes.io/grpc"));
}

TEST_CASE("protocol: without appProtocol the name prefix before '-' decides") {
  CHECK(istio_port_protocol("grpc-api", "") == "GRPC");
  CHECK(istio_port_protocol("http2", "") == "HTTP2");
  CHECK(istio_port_protocol("grpc-web", "") == "GRPC-Web");
  CHECK(istio_port_protocol("grpc-webui", "") == "GRPC-Web");
  CHECK(istio_port_protocol("GRPC", "") == "GRPC");
  CHECK(istio_port_protocol("api", "") == "");
  CHECK(istio_port_protocol("", "") == "");
  CHECK(istio_port_protocol("tcp-grpc", "") == "TCP");
  CHECK(speaks_http2("grpc-api", ""));
  CHECK_FALSE(speaks_http2("api-grpc", ""));
  CHECK_FALSE(speaks_http2("http", ""));
}
