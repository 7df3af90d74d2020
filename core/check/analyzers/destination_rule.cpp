// DestinationRule connection settings: contradictions Istio validation
// rejects, invalid durations, and idle / lifetime limits that close streams.
#include <fmt/format.h>

#include "core/check/analyzers/analyzers.hpp"
#include "core/check/mesh.hpp"

namespace grpcmesh::check::analyzers {
namespace {

using namespace std::chrono_literals;

// Shorter than this, an idle limit closes quiet gRPC streams in practice.
constexpr auto kShortIdle = 5min;

class DestinationRuleAnalyzer final : public Analyzer {
 public:
  const AnalyzerMeta& meta() const override { return meta_; }

  void analyze(Context& ctx) const override {
    for (const Resource& dr : ctx.list(Kind::DestinationRule)) {
      const auto& policy = field(dr.spec(), "trafficPolicy");
      check_policy(ctx, dr, policy, "trafficPolicy");
      const auto& per_port = field(policy, "portLevelSettings");
      if (per_port.is_array()) {
        for (size_t i = 0; i < per_port.size(); ++i) {
          check_policy(ctx, dr, per_port[i], fmt::format("trafficPolicy.portLevelSettings[{}]", i));
        }
      }
      const auto& subsets = field(dr.spec(), "subsets");
      if (subsets.is_array()) {
        for (size_t i = 0; i < subsets.size(); ++i) {
          check_policy(ctx, dr, field(subsets[i], "trafficPolicy"), fmt::format("subsets[{}].trafficPolicy", i));
        }
      }
    }
  }

 private:
  static void check_policy(Context& ctx, const Resource& dr, Node policy, const std::string& where) {
    const auto& pool = field(policy, "connectionPool");
    const auto& http = field(pool, "http");
    const auto& tcp = field(pool, "tcp");
    if (string_field(http, "h2UpgradePolicy") == "UPGRADE" && field(http, "useClientProtocol").boolean()) {
      ctx.report(dr, msg::H2UpgradeConflict());
    }
    check_duration(ctx, dr, where + ".connectionPool.http.idleTimeout", field(http, "idleTimeout"), false);
    check_duration(ctx, dr, where + ".connectionPool.tcp.idleTimeout", field(tcp, "idleTimeout"), true);
    std::string max_duration = where + ".connectionPool.tcp.maxConnectionDuration";
    if (auto d = check_duration(ctx, dr, max_duration, field(tcp, "maxConnectionDuration"), false, false)) {
      ctx.report(dr, msg::IdleTimeoutCutsStreams(max_duration, string_field(tcp, "maxConnectionDuration")));
    }
  }

  // Validates a duration; reports a short one as cutting streams.
  static std::optional<std::chrono::nanoseconds> check_duration(Context& ctx, const Resource& dr,
                                                                const std::string& where, Node value,
                                                                bool zero_disables, bool report_short = true) {
    if (value.is_null()) {
      return std::nullopt;
    }
    std::string text = value.is_string() ? value.get<std::string>() : value.dump();
    auto d = value.is_string() ? mesh::parse_duration(text) : std::nullopt;
    if (!d) {
      ctx.report(dr, msg::InvalidDuration(where, text, "not a duration"));
      return std::nullopt;
    }
    if (*d == 0ns && zero_disables) {
      return std::nullopt;
    }
    if (*d < 1ms) {
      ctx.report(dr, msg::InvalidDuration(where, text, "Istio requires at least 1ms"));
      return std::nullopt;
    }
    if (report_short && *d < kShortIdle) {
      ctx.report(dr, msg::IdleTimeoutCutsStreams(where, text));
    }
    return d;
  }

  AnalyzerMeta meta_{"destination_rule",
                     "DestinationRule connection settings: h2UpgradePolicy conflicts, invalid durations, limits that close streams",
                     {Kind::DestinationRule},
                     {},
                     Hop::Backend};
};

}  // namespace

std::unique_ptr<Analyzer> make_destination_rule() { return std::make_unique<DestinationRuleAnalyzer>(); }

}  // namespace grpcmesh::check::analyzers
