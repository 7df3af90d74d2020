#include "core/grpc/web.hpp"

#include <fmt/format.h>

#include <ostream>

#include "core/util/error.hpp"

namespace grpcmesh::grpc {
namespace {

void print_lines(Streams& s, const std::string& title, const std::vector<std::string>& lines) {
  s.err << title << '\n';
  for (const std::string& l : lines) {
    s.err << "  " << l << '\n';
  }
}

}  // namespace

Wire web_wire(const Options& o) { return o.web == WebMode::kText ? Wire::kWebText : Wire::kWeb; }

void cors_preflight(Connection& connection, const std::string& path, const Options& o, const CallSettings& settings,
                    Streams& streams) {
  std::vector<std::string> metadata_names;
  for (const auto& [k, v] : settings.metadata) {
    metadata_names.push_back(k);
  }
  const Preflight p = browser_preflight(o.origin, settings.deadline.has_value(), metadata_names);
  std::string joined;
  for (const std::string& h : p.request_headers) {
    joined += (joined.empty() ? "" : ",") + h;
  }
  const HttpHead head = connection.preflight(path, {"Origin: " + p.origin, "Access-Control-Request-Method: " + p.method,
                                                    "Access-Control-Request-Headers: " + joined});
  const CorsReport report = check_preflight(p, head);
  const std::string url = connection.endpoint().url_base + path;
  print_lines(streams, fmt::format("CORS preflight: OPTIONS {} from origin {}", url, o.origin), report.lines);
  if (!report.allowed) {
    throw Error(fmt::format("a browser at {} would block this call: {}", o.origin, report.blocked_because));
  }
  connection.add_header("Origin: " + o.origin);
}

void cors_response(const HttpHead& head, const Options& o, Streams& streams) {
  const CorsReport report = check_response(o.origin, head);
  print_lines(streams, "CORS on the response:", report.lines);
  if (!report.allowed) {
    throw Error(fmt::format("a browser at {} could not read the response: {}", o.origin, report.blocked_because));
  }
}

}  // namespace grpcmesh::grpc
