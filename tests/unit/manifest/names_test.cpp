#include "core/manifest/names.hpp"

#include <doctest/doctest.h>

#include "core/util/error.hpp"

using namespace grpcmesh::manifest;

namespace {

std::string host_error(std::string_view host) {
  try {
    validate_host(host);
  } catch (const grpcmesh::Error& e) {
    return e.what();
  }
  return "";
}

std::string service_error(std::string_view name) {
  try {
    validate_grpc_service(name);
  } catch (const grpcmesh::Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("names: valid hosts pass, invalid ones say why") {
  CHECK(host_error("grpc.example.com").empty());
  CHECK(host_error("*.example.com").empty());
  CHECK(host_error("a-1.b2.example").empty());
  CHECK(host_error("Grpc.example.com") ==
        "invalid host \"Grpc.example.com\": \"Grpc\" is not a valid lower-case DNS label; pass a DNS name such as "
        "grpc.example.com");
  CHECK(host_error("https://grpc.example.com").find(": it has a scheme;") != std::string::npos);
  CHECK(host_error("grpc.example.com:443").find(": it has a port") != std::string::npos);
  CHECK(host_error("grpc").find("not a fully qualified name") != std::string::npos);
  CHECK(host_error("grpc..example.com").find("\"\" is not a valid") != std::string::npos);
  CHECK(host_error("-a.example.com").find("\"-a\" is not a valid") != std::string::npos);
  CHECK(host_error("a.*.example.com").find("\"*\" is not a valid") != std::string::npos);
  CHECK(host_error("").find("it is empty") != std::string::npos);
}

TEST_CASE("names: gRPC service names must be fully qualified protobuf names") {
  CHECK(service_error("helloworld.Greeter").empty());
  CHECK(service_error("grpc.health.v1.Health").empty());
  CHECK(service_error("Greeter").empty());  // services without a package are legal
  CHECK(service_error("/helloworld.Greeter/") ==
        "invalid gRPC service name \"/helloworld.Greeter/\"; drop the leading '/': pass the service name, e.g. "
        "helloworld.Greeter, not a path");
  CHECK(service_error("helloworld.Greeter/SayHello").find("without the method") != std::string::npos);
  CHECK(service_error("helloworld..Greeter").find("fully qualified service name") != std::string::npos);
  CHECK(service_error("1pkg.Svc").find("fully qualified service name") != std::string::npos);
  CHECK(service_error("pkg.Svc.").find("fully qualified service name") != std::string::npos);
  CHECK(service_error("").find("fully qualified service name") != std::string::npos);
}

TEST_CASE("names: object names, credential names, prefixes and FQDNs") {
  CHECK(host_object_name("grpc.example.com") == "grpc-example-com");
  CHECK(host_object_name("*.example.com") == "wildcard-example-com");
  CHECK(default_credential_name("grpc.example.com") == "grpc-example-com-tls");
  CHECK(grpc_service_prefix("helloworld.Greeter") == "/helloworld.Greeter/");
  CHECK(service_fqdn("greeter", "apps") == "greeter.apps.svc.cluster.local");
  CHECK(service_fqdn("greeter", "apps", "corp.internal") == "greeter.apps.svc.corp.internal");
}
