#include "core/check/deep/deep_analyzer.hpp"

#include <fmt/format.h>

namespace grpcmesh::check::deep {

void DeepContext::report(Message m) {
  m.resource = {"Pod", pod.pod->namespace_name, pod.pod->name};
  m.host = expected.host;
  out_.push_back(std::move(m));
}

std::vector<std::unique_ptr<DeepAnalyzer>> all_deep_analyzers() {
  using namespace analyzers;
  std::vector<std::unique_ptr<DeepAnalyzer>> out;
  for (auto make : {make_sync_state, make_proxy_version, make_filter_chain, make_http_filters, make_route_services,
                    make_cors_preflight, make_route_timeouts, make_cluster_http2, make_cluster_idle_timeout,
                    make_sds_secret}) {
    out.push_back(make());
  }
  return out;
}

std::string joined(const std::vector<std::string>& items) {
  return items.empty() ? std::string("none") : fmt::format("{}", fmt::join(items, ", "));
}

std::string call_of(const HostExpectation& expected, const ExpectedRoute& route) {
  return route.match == "any path" ? expected.host + " (any path)" : fmt::format("{} {}", expected.host, route.match);
}

}  // namespace grpcmesh::check::deep
