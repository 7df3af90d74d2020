#include "core/manifest/retry_policy.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>

#include "core/util/error.hpp"

namespace grpcmesh::manifest {
namespace {

// supportedRetryOnPolicies in istio.io/istio pkg/config/validation/validation.go,
// without the gRPC ones (kGrpcRetryConditions).
constexpr std::array<std::string_view, 6> kHttpConditions = {"5xx",           "gateway-error",         "retriable-4xx",
                                                             "retriable-status-codes", "retriable-headers",
                                                             "envoy-ratelimited"};
constexpr std::array<std::string_view, 5> kConnectionConditions = {
    "connect-failure", "refused-stream", "reset", "reset-before-request", "http3-post-connect-failure"};

// The gRPC status names (grpc/grpc doc/statuscodes.md), lower case with '-'.
constexpr std::array<std::string_view, 17> kGrpcStatusNames = {
    "ok",        "cancelled",         "unknown",   "invalid-argument", "deadline-exceeded", "not-found",
    "already-exists", "permission-denied", "resource-exhausted", "failed-precondition", "aborted",
    "out-of-range", "unimplemented", "internal", "unavailable", "data-loss", "unauthenticated"};

// The codes Go's net/http StatusText names (src/net/http/status.go; 306 is
// unused and has no text).
constexpr std::array<int, 62> kHttpStatusCodes = {
    100, 101, 102, 103, 200, 201, 202, 203, 204, 205, 206, 207, 208, 226, 300, 301, 302, 303, 304, 305, 307,
    308, 400, 401, 402, 403, 404, 405, 406, 407, 408, 409, 410, 411, 412, 413, 414, 415, 416, 417, 418, 421,
    422, 423, 424, 425, 426, 428, 429, 431, 451, 500, 501, 502, 503, 504, 505, 506, 507, 508, 510, 511};

bool contains(const auto& list, const auto& value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

bool is_grpc_condition(std::string_view s) {
  return std::find(std::begin(kGrpcRetryConditions), std::end(kGrpcRetryConditions), s) !=
         std::end(kGrpcRetryConditions);
}

// strconv.Atoi: an optional sign, then decimal digits only (leading zeros
// allowed). Values past any status code are kept at kLarge: whether Atoi
// overflows or not, no status code is that large.
std::optional<long> go_atoi(std::string_view s) {
  constexpr long kLarge = 1000000;
  size_t i = (!s.empty() && (s[0] == '+' || s[0] == '-')) ? 1 : 0;
  if (i == s.size()) {
    return std::nullopt;
  }
  long value = 0;
  for (size_t j = i; j < s.size(); ++j) {
    if (std::isdigit(static_cast<unsigned char>(s[j])) == 0) {
      return std::nullopt;
    }
    value = std::min(kLarge, value * 10 + (s[j] - '0'));
  }
  return s[0] == '-' ? -value : value;
}

std::optional<int> http_status_code(std::string_view s) {
  const auto n = go_atoi(s);
  if (n && *n >= 100 && *n <= 599 && contains(kHttpStatusCodes, static_cast<int>(*n))) {
    return static_cast<int>(*n);
  }
  return std::nullopt;
}

std::string trim(std::string_view s) {
  const auto space = [](char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; };
  while (!s.empty() && space(s.front())) {
    s.remove_prefix(1);
  }
  while (!s.empty() && space(s.back())) {
    s.remove_suffix(1);
  }
  return std::string(s);
}

std::vector<std::string> split(std::string_view s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    const size_t comma = s.find(',', start);
    out.emplace_back(s.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start));
    if (comma == std::string_view::npos) {
      return out;
    }
    start = comma + 1;
  }
}

std::string str(const nlohmann::json& o, const char* key) {
  return o.is_object() && o.contains(key) && o[key].is_string() ? o[key].get<std::string>() : std::string();
}

}  // namespace

bool istio_accepts_retry_on_token(std::string_view token) {
  return http_status_code(token).has_value() || is_grpc_condition(token) || contains(kHttpConditions, token) ||
         contains(kConnectionConditions, token);
}

std::vector<std::string> rejected_retry_on_tokens(std::string_view retry_on) {
  std::vector<std::string> out;
  if (retry_on.empty()) {
    return out;
  }
  for (const auto& part : split(retry_on)) {
    if (!istio_accepts_retry_on_token(part)) {
      out.push_back(part);
    }
  }
  return out;
}

bool has_grpc_retry_condition(std::string_view retry_on) {
  const auto parts = split(retry_on);
  return std::any_of(parts.begin(), parts.end(), [](const std::string& p) { return is_grpc_condition(trim(p)); });
}

std::string normalize_retry_on(std::string_view list) {
  std::vector<std::string> out;
  for (const auto& raw : split(list)) {
    std::string part = trim(raw);
    if (part.empty()) {
      throw UsageError(fmt::format("--retry-on \"{}\" has an empty entry; list conditions separated by commas, e.g. "
                                   "unavailable,cancelled", list));
    }
    std::string token = part;
    std::transform(token.begin(), token.end(), token.begin(), [](unsigned char c) {
      return c == '_' ? '-' : static_cast<char>(std::tolower(c));
    });
    if (const auto code = http_status_code(token)) {
      token = std::to_string(*code);
    } else if (contains(kGrpcStatusNames, token) && !is_grpc_condition(token)) {
      throw UsageError(fmt::format("--retry-on {}: Envoy retries gRPC calls only on the statuses cancelled, "
                                   "deadline-exceeded, internal, resource-exhausted and unavailable", part));
    } else if (go_atoi(token)) {
      throw UsageError(fmt::format("--retry-on {}: not an HTTP status code Istio accepts (e.g. 503)", part));
    } else if (!istio_accepts_retry_on_token(token)) {
      throw UsageError(fmt::format(
          "--retry-on {}: unknown retry condition; use gRPC statuses (cancelled, deadline-exceeded, internal, "
          "resource-exhausted, unavailable), connection conditions (connect-failure, refused-stream, reset, "
          "reset-before-request, http3-post-connect-failure), HTTP ones (5xx, gateway-error, retriable-4xx, "
          "retriable-status-codes, retriable-headers, envoy-ratelimited) or HTTP status codes (e.g. 503)", part));
    }
    if (std::find(out.begin(), out.end(), token) == out.end()) {
      out.push_back(token);
    }
  }
  return fmt::format("{}", fmt::join(out, ","));
}

RetryPolicy effective_retry_policy(const nlohmann::json& retries, const nlohmann::json& mesh_default) {
  RetryPolicy p;
  const nlohmann::json* in = &retries;
  if (!retries.is_object()) {
    if (!mesh_default.is_object()) {
      return p;  // ConvertPolicy(nil): the cached default policy
    }
    in = &mesh_default;
    p.source = RetryPolicy::Source::MeshDefault;
  } else {
    p.source = RetryPolicy::Source::Route;
  }
  const nlohmann::json attempts = in->value("attempts", nlohmann::json(0));
  if (!attempts.is_number_integer() || attempts.get<long>() <= 0) {
    p.enabled = false;
    p.num_retries = 0;
    p.retry_on.clear();
    return p;
  }
  p.num_retries = static_cast<int>(attempts.get<long>());
  const std::string retry_on = str(*in, "retryOn");
  if (!retry_on.empty()) {
    std::vector<std::string> conditions;
    for (const auto& raw : split(retry_on)) {
      const std::string part = trim(raw);
      if (part.empty()) {
        continue;
      }
      if (const auto code = http_status_code(part)) {
        p.retriable_status_codes.push_back(*code);
      } else {
        conditions.push_back(part);
      }
    }
    p.retry_on = fmt::format("{}", fmt::join(conditions, ","));
    if (!p.retriable_status_codes.empty() && p.retry_on.find("retriable-status-codes") == std::string::npos) {
      p.retry_on += ",retriable-status-codes";
    }
  }
  p.per_try_timeout = str(*in, "perTryTimeout");
  return p;
}

std::string describe_retry_policy(const RetryPolicy& p) {
  if (!p.enabled) {
    return "off (attempts: 0): no call is retried";
  }
  std::string out = fmt::format("{} {} on {}", p.num_retries, p.num_retries == 1 ? "retry" : "retries",
                                p.retry_on.empty() ? "no condition" : p.retry_on);
  if (!p.retriable_status_codes.empty()) {
    out += fmt::format(" (status codes {})", fmt::join(p.retriable_status_codes, ","));
  }
  if (!p.per_try_timeout.empty()) {
    out += ", each try cut after " + p.per_try_timeout;
  }
  return out;
}

nlohmann::json retries_block(int attempts, const std::string& retry_on, const std::string& per_try_timeout) {
  nlohmann::json out = {{"attempts", attempts}};
  if (!retry_on.empty()) {
    out["retryOn"] = retry_on;
  }
  if (!per_try_timeout.empty()) {
    out["perTryTimeout"] = per_try_timeout;
  }
  return out;
}

}  // namespace grpcmesh::manifest
