#include "core/grpc/latency.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "core/grpc/status.hpp"

namespace grpcmesh::grpc {
namespace {

// Nearest-rank percentile of sorted values.
double percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) {
    return 0;
  }
  auto rank = static_cast<size_t>(std::ceil(p / 100.0 * static_cast<double>(sorted.size())));
  return sorted[std::clamp<size_t>(rank, 1, sorted.size()) - 1];
}

std::string ms(double seconds) { return fmt::format("{:.3f}ms", seconds * 1000); }

}  // namespace

LatencySummary summarize(std::vector<Sample> samples, double wall_seconds) {
  LatencySummary s;
  s.count = samples.size();
  std::vector<double> times;
  times.reserve(samples.size());
  for (const Sample& x : samples) {
    times.push_back(x.seconds);
    ++s.by_code[x.code];
    if (x.code != 0) {
      ++s.errors;
    }
  }
  std::sort(times.begin(), times.end());
  s.p50 = percentile(times, 50);
  s.p90 = percentile(times, 90);
  s.p99 = percentile(times, 99);
  s.max = times.empty() ? 0 : times.back();
  s.wall = wall_seconds;
  s.rate = wall_seconds > 0 ? static_cast<double>(s.count) / wall_seconds : 0;
  return s;
}

std::string render(const LatencySummary& s, const std::string& method, int concurrency) {
  std::string statuses;
  for (const auto& [code, n] : s.by_code) {
    statuses += fmt::format("{}{} {}", statuses.empty() ? "" : ", ", code_constant(code), n);
  }
  return fmt::format(
      "Summary of {} calls to {} (concurrency {}):\n"
      "  errors:   {}\n"
      "  status:   {}\n"
      "  latency:  p50 {}  p90 {}  p99 {}  max {}\n"
      "  rate:     {:.1f} calls/s ({:.3f}s in all)\n",
      s.count, method, concurrency, s.errors, statuses, ms(s.p50), ms(s.p90), ms(s.p99), ms(s.max), s.rate, s.wall);
}

}  // namespace grpcmesh::grpc
