#include "core/manifest/cors_policy.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <regex>

#include "core/util/error.hpp"

namespace grpcmesh::manifest {
namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

void validate_origin(const std::string& origin) {
  if (origin == "*") {
    return;
  }
  const auto fail = [&](const std::string& why) {
    throw Error(fmt::format("invalid --allow-origin \"{}\": {}; an origin is scheme://host[:port] as the browser "
                                 "sends it, e.g. https://app.example.com (use --allow-origin-regex for patterns)",
                                 origin, why));
  };
  const size_t scheme_end = origin.find("://");
  if (scheme_end == std::string::npos) {
    fail("it is not a URL (no scheme)");
  }
  const std::string scheme = origin.substr(0, scheme_end);
  if (scheme != "http" && scheme != "https") {
    fail(fmt::format("the scheme \"{}\" is not http or https", scheme));
  }
  const std::string rest = origin.substr(scheme_end + 3);
  if (rest.find('/') != std::string::npos || rest.find('?') != std::string::npos ||
      rest.find('#') != std::string::npos) {
    fail("it has a path (an origin never does, not even a trailing /)");
  }
  static const std::regex host_port(R"(([A-Za-z0-9]([-A-Za-z0-9]*[A-Za-z0-9])?)(\.[A-Za-z0-9]([-A-Za-z0-9]*[A-Za-z0-9])?)*(:[0-9]{1,5})?|\[[0-9A-Fa-f:.]+\](:[0-9]{1,5})?)");
  if (rest.empty() || !std::regex_match(rest, host_port)) {
    fail("the host is not a DNS name or IP address");
  }
  if (rest != lower(rest)) {
    fail("browsers send the origin in lower case, so it would never match");
  }
}

}  // namespace

const std::vector<std::string>& grpc_web_request_headers() {
  static const std::vector<std::string> headers{"content-type", "x-grpc-web", "x-user-agent", "grpc-timeout"};
  return headers;
}

const std::vector<std::string>& grpc_web_response_headers() {
  static const std::vector<std::string> headers{"grpc-status", "grpc-message", "grpc-status-details-bin"};
  return headers;
}

void validate_cors(const CorsOptions& o) {
  if (o.origins.empty() && o.origin_regexes.empty()) {
    throw Error("no origin to allow; pass --allow-origin https://app.example.com (or --allow-origin-regex)");
  }
  for (const auto& origin : o.origins) {
    validate_origin(origin);
  }
  for (const auto& pattern : o.origin_regexes) {
    try {
      std::regex compiled(pattern);
    } catch (const std::regex_error&) {
      throw Error(fmt::format("invalid --allow-origin-regex \"{}\": not a regular expression", pattern));
    }
  }
  const bool wildcard = std::find(o.origins.begin(), o.origins.end(), "*") != o.origins.end() ||
                        std::find(o.origin_regexes.begin(), o.origin_regexes.end(), ".*") != o.origin_regexes.end();
  if (wildcard && o.allow_credentials) {
    throw Error("--allow-origin \"*\" cannot be combined with --allow-credentials: browsers refuse credentialed "
                     "responses for any origin; list the origins that may send credentials instead");
  }
  for (const auto& h : o.extra_headers) {
    static const std::regex token("[!#$%&'*+.^_`|~0-9A-Za-z-]+");
    if (!std::regex_match(h, token)) {
      throw Error(fmt::format("invalid --allow-header \"{}\": not an HTTP header name", h));
    }
  }
}

nlohmann::json cors_policy(const CorsOptions& o) {
  nlohmann::json origins = nlohmann::json::array();
  for (const auto& origin : o.origins) {
    origins.push_back({{"exact", origin}});
  }
  for (const auto& pattern : o.origin_regexes) {
    origins.push_back({{"regex", pattern}});
  }
  std::vector<std::string> allow = grpc_web_request_headers();
  for (const auto& h : o.extra_headers) {
    const std::string name = lower(h);
    if (std::find(allow.begin(), allow.end(), name) == allow.end()) {
      allow.push_back(name);
    }
  }
  nlohmann::json policy = {
      {"allowOrigins", origins},
      {"allowMethods", {"POST", "OPTIONS"}},
      {"allowHeaders", allow},
      {"exposeHeaders", grpc_web_response_headers()},
      {"maxAge", o.max_age},
  };
  if (o.allow_credentials) {
    policy["allowCredentials"] = true;
  }
  return policy;
}

}  // namespace grpcmesh::manifest
