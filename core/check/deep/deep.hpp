#pragma once

// check --deep: for each host checked, what istiod sends each gateway pod
// that serves it (istiod's /debug/syncz and /debug/config_dump), verified hop
// by hop against what the objects say (core/check/deep/analyzers/).

#include <functional>
#include <ostream>
#include <nlohmann/json.hpp>
#include <string>
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

// Progress: (pods done, pods in all), called as each pod's dump is read.
using Progress = std::function<void(size_t, size_t)>;

// Reads istiod's view of the pods serving `hosts` and appends the findings
// of every deep analyzer to `findings`. Throws Error when istiod cannot be
// asked (unreachable, refused, not istiod's answers).
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
