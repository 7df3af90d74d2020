#pragma once
// VirtualService http[].retries as Istio reads it for a gateway route.
//
// Sources (istio.io/istio, the version pinned in tests/peers/istio):
// - pilot/pkg/networking/core/route/retry/retry.go ConvertPolicy: no retries
//   block -> 2 retries on
//   connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes;
//   attempts <= 0 -> no retry policy at all; retryOn replaces that list, each
//   comma-separated part trimmed, numbers that are HTTP status codes become
//   retriable_status_codes (and retriable-status-codes is added to retry_on).
// - pilot/pkg/networking/core/route/route.go: a route without retries takes
//   meshConfig.defaultHttpRetryPolicy first.
// - pkg/config/validation/validation.go validateHTTPRetry: each part of
//   retryOn (split on ",", not trimmed) must be an HTTP status code known to
//   Go's net/http StatusText or one of supportedRetryOnPolicies; attempts
//   must not be negative, and attempts 0 with retryOn or perTryTimeout is
//   rejected.
// Envoy's gRPC conditions (x-envoy-retry-grpc-on) match the grpc-status of a
// response, which gRPC sends with HTTP 200: 5xx and gateway-error never see a
// gRPC failure.

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace grpcmesh::manifest {

// The gRPC status conditions Envoy retries on, in its spelling.
inline constexpr std::string_view kGrpcRetryConditions[] = {"cancelled", "deadline-exceeded", "internal",
                                                            "resource-exhausted", "unavailable"};

// Istio's retryOn when a route has no retries block.
inline constexpr std::string_view kIstioDefaultRetryOn =
    "connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes";
inline constexpr int kIstioDefaultAttempts = 2;

// Does Istio's validation accept `token` (one part of retryOn, as it is)?
bool istio_accepts_retry_on_token(std::string_view token);

// The parts of `retry_on` Istio's validation rejects, in order.
std::vector<std::string> rejected_retry_on_tokens(std::string_view retry_on);

// Does `retry_on` name one of kGrpcRetryConditions (parts trimmed, as
// ConvertPolicy reads them)?
bool has_grpc_retry_condition(std::string_view retry_on);

// A --retry-on value turned into the retryOn Istio is given: parts trimmed,
// gRPC status names in either spelling (UNAVAILABLE, deadline_exceeded)
// written as Envoy's conditions. Throws grpcmesh::UsageError with one line
// naming the first part that is not a condition Envoy and Istio accept.
std::string normalize_retry_on(std::string_view list);

// The retry policy Envoy gets for a route.
struct RetryPolicy {
  enum class Source { IstioDefault, MeshDefault, Route };
  Source source = Source::IstioDefault;
  bool enabled = true;  // false: attempts 0 (or less), no policy at all
  int num_retries = kIstioDefaultAttempts;
  std::string retry_on = std::string(kIstioDefaultRetryOn);
  std::vector<int> retriable_status_codes;
  std::string per_try_timeout;  // as written; "" = none (the route timeout applies)
};

// What ConvertPolicy makes of `retries` (a route's retries block, or null
// when it has none); `mesh_default` is meshConfig.defaultHttpRetryPolicy
// (null when unset), used for a route without one.
RetryPolicy effective_retry_policy(const nlohmann::json& retries, const nlohmann::json& mesh_default = nullptr);

// "2 retries on connect-failure,...", "off (attempts: 0)", with ", each try
// cut after 10s" when there is a perTryTimeout.
std::string describe_retry_policy(const RetryPolicy& policy);

// The retries block for attempts/retryOn/perTryTimeout (empty strings left out).
nlohmann::json retries_block(int attempts, const std::string& retry_on, const std::string& per_try_timeout);

}  // namespace grpcmesh::manifest
