#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace grpcmesh::manifest {

// What a browser needs to call gRPC-Web across origins.
struct CorsOptions {
  std::vector<std::string> origins;        // exact origins ("https://app.example.com") or "*"
  std::vector<std::string> origin_regexes;  // RE2 patterns for allowOrigins[].regex
  std::vector<std::string> extra_headers;   // added to allowHeaders (e.g. authorization)
  std::string max_age = "24h";
  bool allow_credentials = false;
};

// The request headers every gRPC-Web client sends.
const std::vector<std::string>& grpc_web_request_headers();
// The response headers a browser must be allowed to read for the gRPC status.
const std::vector<std::string>& grpc_web_response_headers();

// Throws grpcmesh::Error (exit 1) on an origin that is not a URL (scheme://host[:port]
// with nothing after), a regex that does not compile, no origin at all, or
// "*" together with credentials (browsers refuse that combination).
void validate_cors(const CorsOptions& options);

// The VirtualService http[].corsPolicy: allowOrigins (exact, then regex),
// allowMethods POST and OPTIONS, allowHeaders (gRPC-Web's plus extras, lower
// case, no duplicates), exposeHeaders grpc-status, grpc-message and
// grpc-status-details-bin, maxAge, allowCredentials when set.
nlohmann::json cors_policy(const CorsOptions& options);

}  // namespace grpcmesh::manifest
