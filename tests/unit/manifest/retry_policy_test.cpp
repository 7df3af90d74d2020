#include "core/manifest/retry_policy.hpp"

#include <doctest/doctest.h>

#include "tests/unit/mesh/fixtures.hpp"

using namespace grpcmesh::manifest;
using grpcmesh::testing::error_of;
using nlohmann::json;

TEST_CASE("retry policy: retryOn parts as Istio's validation reads them") {
  for (const char* ok : {"5xx", "gateway-error", "reset", "reset-before-request", "connect-failure", "retriable-4xx",
                         "refused-stream", "retriable-status-codes", "retriable-headers", "envoy-ratelimited",
                         "http3-post-connect-failure", "cancelled", "deadline-exceeded", "internal",
                         "resource-exhausted", "unavailable", "503", "429", "+503", "418",
                         "0000000000000000000503"}) {
    CAPTURE(ok);
    CHECK(istio_accepts_retry_on_token(ok));
  }
  // case-sensitive, not trimmed, gRPC names only in Envoy's spelling, only
  // codes Go's net/http has a text for (306 is unused)
  for (const char* bad : {"UNAVAILABLE", " unavailable", "unavailable ", "aborted", "deadline_exceeded", "5XX",
                          "retry-on-5xx", "", "306", "599", "-503", "0", "1e3", "99999999999999999999503"}) {
    CAPTURE(bad);
    CHECK_FALSE(istio_accepts_retry_on_token(bad));
  }
  CHECK(rejected_retry_on_tokens("unavailable,cancelled,503") == std::vector<std::string>{});
  CHECK(rejected_retry_on_tokens("5xx, unavailable,aborted") == std::vector<std::string>{" unavailable", "aborted"});
  CHECK(rejected_retry_on_tokens("unavailable,") == std::vector<std::string>{""});
  CHECK(rejected_retry_on_tokens("").empty());
}

TEST_CASE("retry policy: gRPC conditions") {
  CHECK(has_grpc_retry_condition("5xx,unavailable"));
  CHECK(has_grpc_retry_condition("deadline-exceeded"));
  CHECK(has_grpc_retry_condition("5xx, resource-exhausted"));  // ConvertPolicy trims
  CHECK_FALSE(has_grpc_retry_condition("5xx,gateway-error,503"));
  CHECK_FALSE(has_grpc_retry_condition("connect-failure,refused-stream,reset"));
  CHECK_FALSE(has_grpc_retry_condition(""));
}

TEST_CASE("retry policy: --retry-on is normalised or refused with one line") {
  CHECK(normalize_retry_on("unavailable") == "unavailable");
  CHECK(normalize_retry_on("UNAVAILABLE, DEADLINE_EXCEEDED,Resource-Exhausted") ==
        "unavailable,deadline-exceeded,resource-exhausted");
  CHECK(normalize_retry_on("5XX,503,+429,connect-failure,503") == "5xx,503,429,connect-failure");
  CHECK(error_of([] { normalize_retry_on("unavailable,aborted"); }) ==
        "--retry-on aborted: Envoy retries gRPC calls only on the statuses cancelled, deadline-exceeded, internal, "
        "resource-exhausted and unavailable");
  CHECK(error_of([] { normalize_retry_on("599"); }) ==
        "--retry-on 599: not an HTTP status code Istio accepts (e.g. 503)");
  CHECK(error_of([] { normalize_retry_on("unavailable,,cancelled"); }) ==
        "--retry-on \"unavailable,,cancelled\" has an empty entry; list conditions separated by commas, e.g. "
        "unavailable,cancelled");
  const std::string unknown = error_of([] { normalize_retry_on("retry-grpc"); });
  CHECK(unknown.rfind("--retry-on retry-grpc: unknown retry condition; use gRPC statuses (cancelled, ", 0) == 0);
  CHECK(unknown.find('\n') == std::string::npos);
  // whatever it returns passes Istio's validation
  for (const char* in : {"UNAVAILABLE, cancelled", "5xx , 503", "Internal"}) {
    CHECK(rejected_retry_on_tokens(normalize_retry_on(in)).empty());
  }
}

TEST_CASE("retry policy: what ConvertPolicy makes of a route's retries") {
  RetryPolicy none = effective_retry_policy(nullptr);
  CHECK(none.source == RetryPolicy::Source::IstioDefault);
  CHECK(none.enabled);
  CHECK(none.num_retries == 2);
  CHECK(none.retry_on == "connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes");
  CHECK(describe_retry_policy(none) ==
        "2 retries on connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes");

  RetryPolicy off = effective_retry_policy(json{{"attempts", 0}});
  CHECK_FALSE(off.enabled);
  CHECK(describe_retry_policy(off) == "off (attempts: 0): no call is retried");
  // attempts left out is 0 as well
  CHECK_FALSE(effective_retry_policy(json::object()).enabled);

  // attempts alone keeps the default conditions
  RetryPolicy three = effective_retry_policy(json{{"attempts", 3}});
  CHECK(three.num_retries == 3);
  CHECK(three.retry_on == std::string(kIstioDefaultRetryOn));

  RetryPolicy codes = effective_retry_policy(
      json{{"attempts", 4}, {"retryOn", "unavailable, 503,5xx,429"}, {"perTryTimeout", "2s"}});
  CHECK(codes.retry_on == "unavailable,5xx,retriable-status-codes");
  CHECK(codes.retriable_status_codes == std::vector<int>{503, 429});
  CHECK(codes.per_try_timeout == "2s");
  CHECK(describe_retry_policy(codes) ==
        "4 retries on unavailable,5xx,retriable-status-codes (status codes 503,429), each try cut after 2s");
  // only status codes: Istio appends the condition to an empty list
  CHECK(effective_retry_policy(json{{"attempts", 1}, {"retryOn", "503"}}).retry_on == ",retriable-status-codes");

  // the mesh default applies to routes without a block, not to routes with one
  const json mesh = {{"attempts", 5}, {"retryOn", "unavailable"}};
  RetryPolicy from_mesh = effective_retry_policy(nullptr, mesh);
  CHECK(from_mesh.source == RetryPolicy::Source::MeshDefault);
  CHECK(from_mesh.num_retries == 5);
  CHECK(from_mesh.retry_on == "unavailable");
  CHECK(effective_retry_policy(json{{"attempts", 1}}, mesh).num_retries == 1);
}

TEST_CASE("retry policy: the block expose writes") {
  CHECK(retries_block(3, "unavailable", "") == json{{"attempts", 3}, {"retryOn", "unavailable"}});
  CHECK(retries_block(0, "", "") == json{{"attempts", 0}});
  CHECK(retries_block(2, "", "10s") == json{{"attempts", 2}, {"perTryTimeout", "10s"}});
}
