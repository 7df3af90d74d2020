#pragma once

#include <memory>

#include "core/check/analyzer.hpp"

// One factory per analyzer; each analyzer lives in the file named after it.
namespace grpcmesh::check::analyzers {

std::unique_ptr<Analyzer> make_api_version();
std::unique_ptr<Analyzer> make_service_port_protocol();
std::unique_ptr<Analyzer> make_backend_protocol();
std::unique_ptr<Analyzer> make_route_section();
std::unique_ptr<Analyzer> make_route_gateway();
std::unique_ptr<Analyzer> make_route_destination();
std::unique_ptr<Analyzer> make_route_grpc_path();
std::unique_ptr<Analyzer> make_route_unreachable();
std::unique_ptr<Analyzer> make_route_host();
std::unique_ptr<Analyzer> make_gateway_workload();
std::unique_ptr<Analyzer> make_gateway_server_tls();
std::unique_ptr<Analyzer> make_gateway_passthrough();
std::unique_ptr<Analyzer> make_gateway_conflict();
std::unique_ptr<Analyzer> make_gateway_credential();
std::unique_ptr<Analyzer> make_gateway_certificate();
std::unique_ptr<Analyzer> make_endpoints_ready();
std::unique_ptr<Analyzer> make_stream_timeouts();
std::unique_ptr<Analyzer> make_destination_rule();
std::unique_ptr<Analyzer> make_grpc_web_filter();
std::unique_ptr<Analyzer> make_grpc_web_cors();
std::unique_ptr<Analyzer> make_gateway_route_missing();
std::unique_ptr<Analyzer> make_route_export();
std::unique_ptr<Analyzer> make_route_subset();
std::unique_ptr<Analyzer> make_retry_on_grpc();
std::unique_ptr<Analyzer> make_retry_per_try_timeout();
std::unique_ptr<Analyzer> make_retries_disabled();
std::unique_ptr<Analyzer> make_retry_policy_valid();
std::unique_ptr<Analyzer> make_cert_manager_namespace();
std::unique_ptr<Analyzer> make_cert_manager_ready();
std::unique_ptr<Analyzer> make_cert_manager_issuer();
std::unique_ptr<Analyzer> make_cert_manager_dns_names();
std::unique_ptr<Analyzer> make_cert_manager_shared_secret();
std::unique_ptr<Analyzer> make_cert_manager_expiry();
std::unique_ptr<Analyzer> make_gatewayapi_backend_protocol();
std::unique_ptr<Analyzer> make_gatewayapi_certificate_grant();
std::unique_ptr<Analyzer> make_gatewayapi_backend_grant();
std::unique_ptr<Analyzer> make_gatewayapi_parent_ref();
std::unique_ptr<Analyzer> make_gatewayapi_allowed_routes();
std::unique_ptr<Analyzer> make_gatewayapi_hostnames();
std::unique_ptr<Analyzer> make_gatewayapi_listener_certificate();
std::unique_ptr<Analyzer> make_gatewayapi_backend_found();
std::unique_ptr<Analyzer> make_gatewayapi_listener_routes();
std::unique_ptr<Analyzer> make_gatewayapi_route_overlap();
std::unique_ptr<Analyzer> make_gatewayapi_istio_gateway_clash();
std::unique_ptr<Analyzer> make_gatewayapi_status();

}  // namespace grpcmesh::check::analyzers
