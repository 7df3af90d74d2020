#pragma once

#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>

namespace grpcmesh::manifest {

// The label every object this tool creates carries.
inline constexpr std::string_view kManagedByLabel = "app.kubernetes.io/managed-by";
inline constexpr std::string_view kManagedByValue = "kubectl-grpcmesh";

// Whether an object carries that label with this tool's value.
bool managed_by_us(const nlohmann::json& object);

// Throws grpcmesh::Error (bad input, exit 1) unless `host` is a DNS name a Gateway can serve:
// lower-case RFC 1123 labels, optionally a leading "*." wildcard, no scheme,
// port or path.
void validate_host(std::string_view host);

// Throws grpcmesh::Error unless `name` is a fully qualified protobuf
// service name (identifiers joined by dots, e.g. helloworld.Greeter).
void validate_grpc_service(std::string_view name);

// The object name used for a host's Gateway and VirtualService:
// "grpc.example.com" -> "grpc-example-com", "*.example.com" -> "wildcard-example-com".
std::string host_object_name(std::string_view host);

// The default Secret (credentialName) for a host: "<host_object_name>-tls".
std::string default_credential_name(std::string_view host);

// The path prefix that routes every method of a gRPC service, with the
// trailing slash so /pkg.Service2/ does not match: "/pkg.Service/".
std::string grpc_service_prefix(std::string_view service);

// "<service>.<namespace>.svc.<cluster_domain>".
std::string service_fqdn(std::string_view service, std::string_view namespace_name,
                         std::string_view cluster_domain = "cluster.local");

}  // namespace grpcmesh::manifest
