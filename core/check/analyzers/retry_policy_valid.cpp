// The retries Istio's validation rejects (istio.io/istio
// pkg/config/validation/validation.go validateHTTPRetry): negative attempts;
// attempts 0 (or left out) with retryOn, perTryTimeout or
// retryRemoteLocalities; a retryOn part (split on ",", not trimmed) that is
// neither an HTTP status code Go's net/http names nor one of
// supportedRetryOnPolicies. The CRD's schema accepts all of them, so the API
// server stores such a VirtualService unless Istio's webhook is there.
// (perTryTimeout durations are stream_timeouts'.)
#include <fmt/format.h>

#include "core/check/analyzers/analyzers.hpp"
#include "core/check/mesh.hpp"
#include "core/check/retry_rules.hpp"
#include "core/manifest/retry_policy.hpp"

namespace grpcmesh::check::analyzers {
namespace {

class RetryPolicyValid final : public Analyzer {
 public:
  const AnalyzerMeta& meta() const override { return meta_; }

  void analyze(Context& ctx) const override {
    retry_rules::for_each_retries(ctx, [&](const Resource& vs, const auto& hosts, int rule, Node, Node retries) {
      const auto report = [&](const std::string& problem) {
        ctx.report(vs, mesh::on_first_host(msg::RetryPolicyInvalid(rule, problem), hosts));
      };
      const std::int64_t attempts = retry_rules::attempts(retries);
      if (attempts < 0) {
        report(fmt::format("attempts is {}, and attempts cannot be negative", attempts));
      }
      if (attempts == 0) {
        for (const char* key : {"retryOn", "perTryTimeout", "retryRemoteLocalities"}) {
          if (retries.contains(key)) {
            report(fmt::format("{} is set while attempts is {} (retries disabled)", key,
                               retries.contains("attempts") ? "0" : "left out, so 0"));
            break;
          }
        }
      }
      Node retry_on = retries["retryOn"];
      if (retry_on.is_string()) {
        for (const std::string& token : manifest::rejected_retry_on_tokens(retry_on.str())) {
          report(fmt::format("retryOn {:?} has {:?}, which is not a valid retryOn policy", retry_on.str(), token));
        }
      }
    });
  }

 private:
  AnalyzerMeta meta_{"retry_policy_valid",
                     "retries Istio's validation rejects: unknown retryOn conditions, attempts 0 with a policy",
                     {Kind::VirtualService},
                     {},
                     Hop::Route};
};

}  // namespace

std::unique_ptr<Analyzer> make_retry_policy_valid() { return std::make_unique<RetryPolicyValid>(); }

}  // namespace grpcmesh::check::analyzers
