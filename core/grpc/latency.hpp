#pragma once

#include <map>
#include <string>
#include <vector>

namespace grpcmesh::grpc {

// One finished call of --repeat.
struct Sample {
  double seconds = 0;
  int code = 0;  // gRPC status code
};

struct LatencySummary {
  size_t count = 0;
  size_t errors = 0;
  std::map<int, size_t> by_code;  // status code -> calls
  double p50 = 0, p90 = 0, p99 = 0, max = 0;  // seconds, nearest rank
  double wall = 0;                             // seconds for all calls
  double rate = 0;                             // calls per second
};

LatencySummary summarize(std::vector<Sample> samples, double wall_seconds);

// The --repeat report: count, errors by status, percentiles, calls/s.
std::string render(const LatencySummary& summary, const std::string& method, int concurrency);

}  // namespace grpcmesh::grpc
