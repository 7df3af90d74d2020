#pragma once

// check --deep: for each host checked, what istiod sends each gateway pod
// that serves it (istiod's /debug/syncz and /debug/config_dump), verified hop
// by hop against what the objects say (core/check/deep/analyzers/).

#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "core/check/deep/deep_analyzer.hpp"
#include "core/check/deep/istiod.hpp"
#include "core/check/snapshot.hpp"

namespace grpcmesh::check::deep {

// What --deep read and found, for the JSON output.
struct RouteFacts {
  std::string match;      // as the objects say it ("prefix /a.B/")
  std::string route;      // the route Envoy picks ("" when none)
  std::string cluster;
  std::string timeout;    // as sent ("0s": none)
  bool http2 = false;
  std::string idle_timeout;  // the cluster's upstream idle timeout as sent ("" when none)
  bool preflight_cors = false;  // a CORS preflight on the path finds a CORS policy
};
struct HostFacts {
  std::string host;
  std::string pod;        // namespace/name
  std::string listener;   // "" when none
  int port = 0;
  std::vector<std::string> server_names;
  std::string route_config;
  std::string virtual_host;
  std::vector<std::string> http_filters;
  std::vector<RouteFacts> routes;
  std::vector<std::string> secrets;  // SDS secrets the chain asks for
};
struct PodFacts {
  std::string pod;      // namespace/name
  std::string proxy;    // POD.NAMESPACE
  std::string istiod;   // "" when not connected
  std::string istio_version;
  std::string istiod_version;  // that istiod's own version ("" when unknown)
  std::vector<TypeSync> sync;
};
struct DeepReport {
  std::vector<std::string> istiods;
  std::vector<PodFacts> pods;
  std::vector<HostFacts> hosts;
};

// istiod's version from its /version body ("1.31.0-dev+abc-unknown-unknown":
// VERSION-GITREVISION-STATUS, a GITREVISION of "X-dirty" too), as istioctl
// reads it (pkg/kube/client.go setServerInfoWithIstiodVersionInfo); "" when
// the body is not that.
std::string istiod_version(std::string_view body);

// Progress: what --deep reads now, for a progress line ("istiod's sync
// state", "config dumps 1/3 pods"). Called on the thread that reads.
using Progress = std::function<void(std::string_view status)>;

// The gateway proxies whose dumps a Fetch reads before it knows which pods
// the check needs: every proxy istiod knows as a gateway ("router"), when
// there are at most this many; more, and it waits to know.
inline constexpr size_t kMaxPrefetched = 8;

// What --deep reads from istiod: each istiod's sync state (/debug/syncz) and
// version, and the configuration dump of each gateway pod the check asks
// about. start() reads on a thread of its own while the caller reads the
// objects from the API server: the connection to istiod, the sync state, and
// the dumps of the gateway proxies istiod knows (at most kMaxPrefetched),
// which are most often the pods the check needs; inspect() then waits for
// it and reads the dumps of any other pods it needs.
class Fetch {
 public:
  using Connect = std::function<std::unique_ptr<IstiodSource>()>;
  // Reads on a thread of its own, where `connect` runs too: the source must
  // not share a kube::Client with the caller (connect_istiod_apart).
  static std::unique_ptr<Fetch> start(Connect connect, Progress progress = {});
  // The same for a source that ends its requests in flight once `cancel_fd`
  // is readable (IstiodOptions::cancel_fd): a Fetch given up on before
  // inspect() then cancels what its thread waits for and joins it.
  using CancellableConnect = std::function<std::unique_ptr<IstiodSource>(int cancel_fd)>;
  static std::unique_ptr<Fetch> start_cancellable(CancellableConnect connect, Progress progress = {});
  // Reads nothing until inspect(), then all of it on the caller's thread:
  // for a source on the caller's own client.
  static std::unique_ptr<Fetch> later(Connect connect, Progress progress = {});
  // A Fetch whose reading thread is still running (the check failed before
  // inspect) tells it to report nothing more, then cancels and joins it
  // (start_cancellable), or else leaves it to end by itself: a kube::Client
  // cannot be cancelled, so that thread ends at --request-timeout at the
  // latest, or with the process.
  ~Fetch();
  Fetch(const Fetch&) = delete;
  Fetch& operator=(const Fetch&) = delete;

  // What the source's own connection logged, once inspect() has run.
  std::string take_log();

  struct State;

 private:
  Fetch() = default;
  friend DeepReport inspect(const Snapshot& snapshot, const std::vector<std::string>& hosts, Fetch& fetch,
                            std::vector<Message>& findings);
  std::shared_ptr<State> state_;
  std::thread thread_;
};

// The Fetch of check --deep: istiod reached as `options` say, on a thread of
// its own when that needs no second sign-in (can_connect_apart), else later
// on `client`.
std::unique_ptr<Fetch> fetch_istiod(kube::Client& client, const IstiodOptions& options, Progress progress = {});

// Reads istiod's view of the pods serving `hosts` (waiting for `fetch`) and
// appends the findings of every deep analyzer to `findings`. Throws Error
// when istiod cannot be asked (unreachable, refused, not istiod's answers).
DeepReport inspect(const Snapshot& snapshot, const std::vector<std::string>& hosts, Fetch& fetch,
                   std::vector<Message>& findings);
// The same, reading everything from `istiod` now, on this thread.
DeepReport inspect(const Snapshot& snapshot, const std::vector<std::string>& hosts, IstiodSource& istiod,
                   std::vector<Message>& findings, const Progress& progress = {});

// {"istiod": [...], "pods": [{"pod", "proxy", "istiod", "istioVersion",
// "istiodVersion", "sync": [{"type", "state", "error"}]}], "hosts": [{"host",
// "pod", "listener", "port", "serverNames", "routeConfig", "virtualHost",
// "httpFilters", "routes": [{"match", "route", "cluster", "timeout",
// "http2", "idleTimeout", "preflightCors"}], "sdsSecrets"}]}
nlohmann::ordered_json to_json(const DeepReport& report);

// The human report's closing section: per host and pod, the listener, route
// configuration, HTTP filters and routes istiod sends, and each pod's sync state.
void render_human(std::ostream& out, const DeepReport& report);

}  // namespace grpcmesh::check::deep
