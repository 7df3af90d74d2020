#include "core/grpc/cors.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <set>

namespace grpcmesh::grpc {
namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

std::string trim(std::string s) {
  s.erase(0, s.find_first_not_of(" \t"));
  s.erase(s.find_last_not_of(" \t") + 1);
  return s;
}

// A header's comma-separated list (Access-Control-Allow-Headers and friends).
std::vector<std::string> tokens(const std::string& value) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= value.size()) {
    size_t end = value.find(',', start);
    if (end == std::string::npos) {
      end = value.size();
    }
    if (std::string t = trim(value.substr(start, end - start)); !t.empty()) {
      out.push_back(t);
    }
    start = end + 1;
  }
  return out;
}

bool contains_ci(const std::vector<std::string>& list, const std::string& name) {
  return std::any_of(list.begin(), list.end(), [&](const std::string& x) { return lower(x) == lower(name); });
}

// Fetch's CORS check on one response: Access-Control-Allow-Origin must be "*"
// (no credentials) or exactly the origin. Returns the failure, or "".
std::string origin_problem(const std::string& origin, const HttpHead& r) {
  if (!r.has("access-control-allow-origin")) {
    return fmt::format("origin {} is not allowed: the response has no Access-Control-Allow-Origin header", origin);
  }
  std::string allowed = r.header("access-control-allow-origin");
  if (allowed == "*" || allowed == origin) {
    return "";
  }
  return fmt::format("origin {} is not allowed: Access-Control-Allow-Origin is \"{}\"", origin, allowed);
}

}  // namespace

std::string HttpHead::header(const std::string& name) const {
  std::string out;
  auto [first, last] = headers.equal_range(name);
  for (auto it = first; it != last; ++it) {
    out += (out.empty() ? "" : ", ") + it->second;
  }
  return out;
}

Preflight browser_preflight(const std::string& origin, bool with_deadline,
                            const std::vector<std::string>& metadata_names) {
  std::set<std::string> names{"content-type", "x-grpc-web", "x-user-agent"};
  if (with_deadline) {
    names.insert("grpc-timeout");
  }
  for (const std::string& n : metadata_names) {
    names.insert(lower(n));
  }
  return Preflight{origin, "POST", {names.begin(), names.end()}};
}

CorsReport check_preflight(const Preflight& p, const HttpHead& r) {
  CorsReport report;
  auto fail = [&report](const std::string& why) {
    if (report.allowed) {
      report.blocked_because = why;
    }
    report.allowed = false;
  };
  if (r.status < 200 || r.status > 299) {
    std::string why = fmt::format("the preflight answer is HTTP {}, and a browser needs 2xx", r.status);
    report.lines.push_back("status: HTTP " + std::to_string(r.status) + " - not ok");
    fail(why);
  } else {
    report.lines.push_back("status: HTTP " + std::to_string(r.status) + " - ok");
  }
  if (std::string problem = origin_problem(p.origin, r); !problem.empty()) {
    report.lines.push_back(problem);
    fail(problem);
  } else {
    report.lines.push_back(fmt::format("origin {}: allowed (Access-Control-Allow-Origin: {})", p.origin,
                                       r.header("access-control-allow-origin")));
  }
  const std::vector<std::string> methods = tokens(r.header("access-control-allow-methods"));
  if (std::find(methods.begin(), methods.end(), p.method) != methods.end() || contains_ci(methods, "*")) {
    report.lines.push_back(fmt::format("method {}: allowed (Access-Control-Allow-Methods: {})", p.method,
                                       r.header("access-control-allow-methods")));
  } else if (p.method == "POST" || p.method == "GET" || p.method == "HEAD") {
    report.lines.push_back(fmt::format("method {}: allowed (a CORS-safelisted method needs no listing)", p.method));
  } else {
    std::string why = fmt::format("method {} is not in Access-Control-Allow-Methods", p.method);
    report.lines.push_back(why);
    fail(why);
  }
  const std::vector<std::string> headers = tokens(r.header("access-control-allow-headers"));
  const bool credentials = lower(r.header("access-control-allow-credentials")) == "true";
  for (const std::string& h : p.request_headers) {
    // "*" covers any name except Authorization, and only without credentials.
    const bool wildcard = contains_ci(headers, "*") && !credentials && h != "authorization";
    if (contains_ci(headers, h) || wildcard) {
      report.lines.push_back(fmt::format("header {}: allowed{}", h, wildcard && !contains_ci(headers, h) ? " (*)" : ""));
    } else {
      std::string why = fmt::format("request header {} is not in Access-Control-Allow-Headers (\"{}\")", h,
                                    r.header("access-control-allow-headers"));
      report.lines.push_back(fmt::format("header {}: NOT allowed", h));
      fail(why);
    }
  }
  return report;
}

CorsReport check_response(const std::string& origin, const HttpHead& r) {
  CorsReport report;
  if (std::string problem = origin_problem(origin, r); !problem.empty()) {
    report.allowed = false;
    report.blocked_because = "on the response: " + problem;
    report.lines.push_back(report.blocked_because);
    return report;
  }
  report.lines.push_back("response: readable by the page (Access-Control-Allow-Origin: " +
                         r.header("access-control-allow-origin") + ")");
  const std::vector<std::string> exposed = tokens(r.header("access-control-expose-headers"));
  const bool credentials = lower(r.header("access-control-allow-credentials")) == "true";
  for (const char* h : {"grpc-status", "grpc-message"}) {
    const bool ok = contains_ci(exposed, h) || (contains_ci(exposed, "*") && !credentials);
    report.lines.push_back(fmt::format(
        "{} exposed: {}", h,
        ok ? "yes" : "NO - a browser hides it when it arrives as a header (errors sent as Trailers-Only); add it "
                     "to exposeHeaders"));
  }
  return report;
}

}  // namespace grpcmesh::grpc
