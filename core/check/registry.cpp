#include "core/check/analyzers/analyzers.hpp"

namespace grpcmesh::check {

std::vector<std::unique_ptr<Analyzer>> all_analyzers() {
  using namespace analyzers;
  std::vector<std::unique_ptr<Analyzer>> out;
  for (auto make : {make_api_version, make_service_port_protocol, make_backend_protocol, make_route_section,
                    make_route_gateway, make_route_destination, make_route_grpc_path, make_route_unreachable,
                    make_route_host, make_gateway_workload, make_gateway_server_tls, make_gateway_passthrough,
                    make_gateway_conflict, make_gateway_credential, make_gateway_certificate, make_endpoints_ready,
                    make_stream_timeouts, make_destination_rule, make_grpc_web_filter, make_grpc_web_cors,
                    make_gateway_route_missing, make_route_export, make_route_subset, make_retry_on_grpc,
                    make_retry_per_try_timeout, make_retries_disabled, make_retry_policy_valid,
                    make_cert_manager_namespace, make_cert_manager_ready, make_cert_manager_issuer,
                    make_cert_manager_dns_names, make_cert_manager_shared_secret, make_cert_manager_expiry,
                    make_gatewayapi_backend_protocol, make_gatewayapi_certificate_grant, make_gatewayapi_backend_grant,
                    make_gatewayapi_parent_ref, make_gatewayapi_allowed_routes, make_gatewayapi_hostnames,
                    make_gatewayapi_listener_certificate, make_gatewayapi_backend_found, make_gatewayapi_listener_routes,
                    make_gatewayapi_route_overlap, make_gatewayapi_istio_gateway_clash,
                    make_gatewayapi_status}) {
    out.push_back(make());
  }
  return out;
}

}  // namespace grpcmesh::check
