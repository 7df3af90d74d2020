// retries with attempts 0 (or left out) and nothing else: Istio then gives
// the route no retry policy at all (istio.io/istio
// pilot/pkg/networking/core/route/retry/retry.go ConvertPolicy, "Configuration
// is explicitly disabling the retry policy"), so its default retries of
// UNAVAILABLE and refused streams are off. Often intended; worth knowing.
// (attempts 0 together with retryOn or perTryTimeout is retry_policy_valid's.)
#include "core/check/analyzers/analyzers.hpp"
#include "core/check/mesh.hpp"
#include "core/check/retry_rules.hpp"

namespace grpcmesh::check::analyzers {
namespace {

class RetriesDisabled final : public Analyzer {
 public:
  const AnalyzerMeta& meta() const override { return meta_; }

  void analyze(Context& ctx) const override {
    retry_rules::for_each_retries(ctx, [&](const Resource& vs, const auto& hosts, int rule, Node, Node retries) {
      if (retry_rules::attempts(retries) != 0 || retries.contains("retryOn") || retries.contains("perTryTimeout") ||
          retries.contains("retryRemoteLocalities")) {
        return;
      }
      ctx.report(vs, mesh::on_first_host(msg::RetriesDisabled(rule), hosts));
    });
  }

 private:
  AnalyzerMeta meta_{"retries_disabled",
                     "retries with attempts 0, which turns Istio's default retries off",
                     {Kind::VirtualService},
                     {},
                     Hop::Route};
};

}  // namespace

std::unique_ptr<Analyzer> make_retries_disabled() { return std::make_unique<RetriesDisabled>(); }

}  // namespace grpcmesh::check::analyzers
