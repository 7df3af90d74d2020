#pragma once

// The analyzers of check --deep: each judges one hop of one host's path on
// one gateway pod, from what istiod sends that pod (its sync state and its
// configuration dump) against what the objects say (HostExpectation). One
// analyzer per file under core/check/deep/analyzers/.

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/check/deep/config_dump.hpp"
#include "core/check/deep/expect.hpp"
#include "core/check/messages.hpp"

namespace grpcmesh::check::deep {

// One gateway pod as istiod knows it.
struct PodState {
  const Resource* pod = nullptr;
  std::string proxy;                  // POD.NAMESPACE, istiod's proxyID
  const ProxySync* sync = nullptr;    // null: no istiod knows the pod
  const ConfigDump* dump = nullptr;   // null: not connected (or no dump)
  std::string istiod_version;         // the version of the istiod it is connected to ("" when unknown)
};

struct DeepMeta {
  std::string_view name;
  std::string_view description;
  Hop hop = Hop::None;
};

class DeepContext {
 public:
  DeepContext(const HostExpectation& expected, const PodState& pod, const Located& located,
              const std::vector<std::string>& istiods, std::vector<Message>& out)
      : expected(expected), pod(pod), located(located), istiods(istiods), out_(out) {}

  // Reports a finding about the pod, on the host's path.
  void report(Message m);

  const HostExpectation& expected;
  const PodState& pod;
  const Located& located;
  const std::vector<std::string>& istiods;  // the istiod instances asked

 private:
  std::vector<Message>& out_;
};

class DeepAnalyzer {
 public:
  virtual ~DeepAnalyzer() = default;
  virtual const DeepMeta& meta() const = 0;
  virtual void analyze(DeepContext& ctx) const = 0;
};

// Every deep analyzer, in a stable order.
std::vector<std::unique_ptr<DeepAnalyzer>> all_deep_analyzers();

// "a, b, c" (or "none").
std::string joined(const std::vector<std::string>& items);
// "host/path" for a message: the call a route serves.
std::string call_of(const HostExpectation& expected, const ExpectedRoute& route);

namespace analyzers {
std::unique_ptr<DeepAnalyzer> make_sync_state();
std::unique_ptr<DeepAnalyzer> make_filter_chain();
std::unique_ptr<DeepAnalyzer> make_http_filters();
std::unique_ptr<DeepAnalyzer> make_route_services();
std::unique_ptr<DeepAnalyzer> make_route_timeouts();
std::unique_ptr<DeepAnalyzer> make_cluster_http2();
std::unique_ptr<DeepAnalyzer> make_sds_secret();
std::unique_ptr<DeepAnalyzer> make_cors_preflight();
std::unique_ptr<DeepAnalyzer> make_cluster_idle_timeout();
std::unique_ptr<DeepAnalyzer> make_proxy_version();
}  // namespace analyzers

}  // namespace grpcmesh::check::deep
