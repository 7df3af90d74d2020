#pragma once

#include <map>
#include <string>
#include <vector>

namespace grpcmesh::grpc {

// An HTTP response as a CORS check sees it: status and lower-cased headers.
struct HttpHead {
  long status = 0;
  std::multimap<std::string, std::string> headers;
  std::string header(const std::string& name) const;  // values joined with ", "
  bool has(const std::string& name) const { return headers.count(name) > 0; }
};

// The preflight a browser sends before a gRPC-Web POST from `origin`.
struct Preflight {
  std::string origin;
  std::string method = "POST";
  std::vector<std::string> request_headers;  // lower-case, sorted, as browsers send them
};

// The headers a gRPC-Web browser client adds to a call (plus grpc-timeout
// with a deadline and the call's own metadata names).
Preflight browser_preflight(const std::string& origin, bool with_deadline,
                            const std::vector<std::string>& metadata_names);

// The Fetch standard's CORS checks, item by item, in words.
struct CorsReport {
  bool allowed = true;
  std::vector<std::string> lines;  // one finding per line
  std::string blocked_because;     // the first failing check, for the error line
};

// Is the preflight answer enough for a browser to send the call?
CorsReport check_preflight(const Preflight& preflight, const HttpHead& response);
// On the actual response: may the page read it, and can it see grpc-status
// and grpc-message when they come as headers (Trailers-Only replies)?
CorsReport check_response(const std::string& origin, const HttpHead& response);

}  // namespace grpcmesh::grpc
