// Route timeouts: Istio rejects durations under 1ms (so `timeout: 0s` cannot
// disable one), and any timeout on a gRPC route cuts longer streams; when the
// field is unset Istio honours the client's grpc-timeout.
#include <fmt/format.h>

#include "core/check/analyzers/analyzers.hpp"
#include "core/check/mesh.hpp"
#include "core/check/retry_rules.hpp"

namespace grpcmesh::check::analyzers {
namespace {

using namespace std::chrono_literals;

// Reports an invalid duration; returns the parsed value when it is valid.
std::optional<std::chrono::nanoseconds> valid_duration(Context& ctx, const Resource& vs, const std::string& where,
                                                       Node value, const std::string& host) {
  if (value.is_null()) {
    return std::nullopt;
  }
  std::string text = value.is_string() ? value.get<std::string>() : value.dump();
  auto d = value.is_string() ? mesh::parse_duration(text) : std::nullopt;
  if (!d) {
    ctx.report(vs, msg::InvalidDuration(where, text, "not a duration").for_host(host));
    return std::nullopt;
  }
  if (*d < 1ms) {
    ctx.report(vs, msg::InvalidDuration(where, text, "Istio requires at least 1ms").for_host(host));
    return std::nullopt;
  }
  return d;
}

class StreamTimeouts final : public Analyzer {
 public:
  const AnalyzerMeta& meta() const override { return meta_; }

  void analyze(Context& ctx) const override {
    for (const Resource& vs : ctx.list(Kind::VirtualService)) {
      auto hosts = mesh::hosts(vs);
      std::string host = hosts.empty() ? std::string() : hosts[0];
      const auto& rules = field(vs.spec(), "http");
      if (!rules.is_array()) {
        continue;
      }
      for (size_t i = 0; i < rules.size(); ++i) {
        Node rule = rules[i];
        valid_duration(ctx, vs, fmt::format("http[{}].retries.perTryTimeout", i),
                       field(field(rule, "retries"), "perTryTimeout"), host);
        auto timeout = valid_duration(ctx, vs, fmt::format("http[{}].timeout", i), field(rule, "timeout"), host);
        if (timeout && retry_rules::carries_grpc(ctx, vs, rule)) {
          ctx.report(vs, msg::RouteTimeoutCutsStreams(static_cast<int>(i), field(rule, "timeout").get<std::string>())
                             .for_host(host));
        }
      }
    }
  }

 private:
  AnalyzerMeta meta_{"stream_timeouts",
                     "Route timeouts that are invalid (under 1ms, e.g. 0s) or cut gRPC streams",
                     {Kind::VirtualService},
                     {Kind::Service},
                     Hop::Route};
};

}  // namespace

std::unique_ptr<Analyzer> make_stream_timeouts() { return std::make_unique<StreamTimeouts>(); }

}  // namespace grpcmesh::check::analyzers
