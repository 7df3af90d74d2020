#pragma once

// What the objects say a gateway pod should have for one host (from the
// snapshot), and where that host is in a pod's configuration dump.

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/check/deep/config_dump.hpp"
#include "core/check/snapshot.hpp"

namespace grpcmesh::check::deep {

// One gateway server serving the host.
struct ExpectedServer {
  std::string gateway;      // namespace/name
  int port = 0;             // the server's port number
  std::set<int> listener_ports;  // that number and the targetPort the gateway Service maps it to
  std::string protocol;     // HTTPS, HTTP, GRPC, GRPC-WEB, ...
  bool tls = false;         // terminates TLS (credentialName's certificate)
  std::string credential;   // tls.credentialName
};

// One http match of a VirtualService rule serving the host.
struct ExpectedRoute {
  std::string virtual_service;  // namespace/name
  int rule = 0;
  std::string path;          // the request path a call takes: the prefix + "x", or the exact path
  std::string match;         // as the rule says it: "prefix /a.B/", "exact /a.B/C", "any path"
  std::string cluster;       // outbound|PORT|SUBSET|FQDN, "" when it cannot be named (several destinations)
  std::optional<std::string> timeout;  // the rule's timeout
  bool cors = false;         // the rule has a corsPolicy: a preflight must find it
  // The upstream idle timeout (connectionPool.http.idleTimeout, as `stream`
  // sets it) of the DestinationRule Istio applies to the destination for the
  // gateway pods, and that rule (namespace/name); unset when none sets one.
  std::optional<std::string> idle_timeout;
  std::string idle_timeout_rule;
};

struct HostExpectation {
  std::string host;
  std::vector<ExpectedServer> servers;
  std::vector<ExpectedRoute> routes;
  bool web = false;    // gRPC-Web enabled by the objects (a GRPC-WEB server or an EnvoyFilter adding grpc_web)
  std::vector<const Resource*> pods;  // the gateway pods that serve it
};

// The VirtualServices of a snapshot by the hosts they name, read once for
// the expectations of many hosts (each would otherwise read every
// VirtualService's hosts again).
class VirtualServiceIndex {
 public:
  explicit VirtualServiceIndex(const Snapshot& snapshot);
  // Those naming a host that matches `host` (mesh::host_matches), in the
  // snapshot's order.
  std::vector<const Resource*> serving(const std::string& host) const;

 private:
  std::vector<const Resource*> all_;
  std::vector<std::vector<std::string>> hosts_;      // per VirtualService
  std::map<std::string, std::vector<size_t>> exact_;  // a host without wildcard -> VirtualServices naming it
  std::vector<size_t> wildcard_;                     // those naming "*" or "*.domain"
};

// The expectations of `host` (empty servers when no Gateway server serves it).
HostExpectation expect_host(const Snapshot& snapshot, const std::string& host);
HostExpectation expect_host(const Snapshot& snapshot, const std::string& host, const VirtualServiceIndex& index);

// Where the host is in one pod's dump.
struct Located {
  const Listener* listener = nullptr;
  const FilterChain* chain = nullptr;
  const RouteConfig* route_config = nullptr;
  const VirtualHost* virtual_host = nullptr;
  const ExpectedServer* server = nullptr;  // the server that was looked for
};
Located locate(const HostExpectation& expected, const ConfigDump& dump);

// The route Envoy picks, first match wins, for a gRPC call (POST,
// content-type application/grpc) to `path`; `preflight` for a CORS preflight
// (OPTIONS, no content-type). Routes whose match cannot be decided here
// (regular expressions, other headers) are passed over.
const HttpRoute* first_match(const VirtualHost& vhost, const std::string& path, bool preflight = false);

}  // namespace grpcmesh::check::deep
