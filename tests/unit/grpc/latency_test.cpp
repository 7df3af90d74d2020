#include "core/grpc/latency.hpp"

#include <doctest/doctest.h>

namespace grpcmesh::grpc {

TEST_CASE("summarize: nearest-rank percentiles, errors by status, calls per second") {
  std::vector<Sample> samples;
  for (int i = 1; i <= 100; ++i) {
    samples.push_back({i / 1000.0, i % 25 == 0 ? 14 : 0});  // 4 UNAVAILABLE
  }
  LatencySummary s = summarize(samples, 2.0);
  CHECK(s.count == 100);
  CHECK(s.errors == 4);
  CHECK(s.by_code.at(0) == 96);
  CHECK(s.by_code.at(14) == 4);
  CHECK(s.p50 == doctest::Approx(0.050));
  CHECK(s.p90 == doctest::Approx(0.090));
  CHECK(s.p99 == doctest::Approx(0.099));
  CHECK(s.max == doctest::Approx(0.100));
  CHECK(s.rate == doctest::Approx(50.0));
}

TEST_CASE("render prints count, errors by status, percentiles and rate") {
  LatencySummary s = summarize({{0.001, 0}, {0.003, 5}}, 0.5);
  CHECK(render(s, "p.S.M", 2) ==
        "Summary of 2 calls to p.S.M (concurrency 2):\n"
        "  errors:   1\n"
        "  status:   OK 1, NOT_FOUND 1\n"
        "  latency:  p50 1.000ms  p90 3.000ms  p99 3.000ms  max 3.000ms\n"
        "  rate:     4.0 calls/s (0.500s in all)\n");
}

}  // namespace grpcmesh::grpc
