#pragma once

// What istiod sends one proxy, read from its debug endpoints: the Envoy
// configuration dump (/debug/config_dump?proxyID=POD.NAMESPACE, the admin
// ConfigDump message as protobuf JSON) and the sync state of every proxy
// (/debug/syncz), reduced to what check verifies while it is read: the text
// goes through the streaming JSON reader (yaml::parse_json_events), one
// listener, route configuration, cluster, secret or proxy at a time is kept
// as a compact tree (check::Tree) and reduced, and no document tree of the
// whole text is ever built.

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/check/tree.hpp"

namespace grpcmesh::check::deep {

// One route of a virtual host, in Envoy's order (the first that matches wins).
struct HttpRoute {
  std::string name;
  std::string prefix;             // match.prefix ("" when the route matches otherwise)
  std::string path;               // match.path (exact)
  bool regex = false;             // match.safeRegex or pathSeparatedPrefix: not evaluated
  std::vector<std::string> headers;  // header matchers, "name" or "name=value"
  bool header_content_type = false;  // one of them is on content-type
  std::string cluster;            // route.cluster, or the weighted clusters joined by ","
  bool direct_response = false;   // directResponse / redirect: no cluster
  std::optional<std::string> timeout;  // route.timeout as sent ("0s" disables it)
  std::optional<std::string> idle_timeout;
  std::optional<int> retries;     // retryPolicy.numRetries (absent: no retry policy)
  std::string retry_on;
  bool cors = false;              // a CORS policy on the route
  std::string config;             // the Istio object that made it (metadata istio.config)
};

struct VirtualHost {
  std::string name;
  std::vector<std::string> domains;
  std::vector<HttpRoute> routes;
  bool cors = false;
};

struct RouteConfig {
  std::string name;
  std::vector<VirtualHost> virtual_hosts;
};

struct FilterChain {
  std::string name;
  std::vector<std::string> server_names;  // filterChainMatch.serverNames (SNI)
  bool tls = false;                       // a downstream TLS transport socket
  std::vector<std::string> sds_secrets;   // the SDS secret names its TLS context asks for
  bool http = false;                      // an HTTP connection manager terminates it
  std::string route_config;               // its RDS route configuration name
  std::vector<std::string> http_filters;  // in order
  std::optional<std::string> stream_idle_timeout;
};

struct Listener {
  std::string name;
  int port = 0;
  std::vector<FilterChain> chains;
};

struct Cluster {
  std::string name;
  bool http2 = false;  // explicit HTTP/2 upstream
  bool downstream_protocol = false;  // useDownstreamProtocolConfig (the client's protocol)
  std::optional<std::string> idle_timeout;  // commonHttpProtocolOptions.idleTimeout
};

struct Secret {
  std::string name;
  bool certificate = false;  // holds a TLS certificate chain
  std::string chain_pem;     // tlsCertificate.certificateChain (PEM), "" when istiod sent none inline
};

struct ConfigDump {
  std::vector<Listener> listeners;
  std::map<std::string, RouteConfig> routes;
  std::map<std::string, Cluster> clusters;
  std::map<std::string, Secret> secrets;
};

// Parses a config dump; throws grpcmesh::Error when it is not one.
ConfigDump parse_config_dump(std::string_view json);
// The same reduction from a whole tree of the dump (what parse_config_dump
// must agree with; tests/fuzz/config_dump_fuzz.cpp compares the two).
ConfigDump reduce_config_dump(Node root);

// One xDS type of one proxy, as istioctl proxy-status names the states:
// SYNCED (the last response was ACKed), STALE (sent, not yet ACKed), NACK
// (the proxy rejected it: `error` is the reason it gave), NOT SENT.
struct TypeSync {
  std::string type_url;
  std::string state;
  std::string error;
  std::string sent, acked;  // nonces
};

struct ProxySync {
  std::string proxy;  // POD.NAMESPACE
  std::string proxy_type;  // "router" for gateways, "sidecar_proxy", ...
  std::string istio_version;
  std::string istiod;  // the istiod instance it is connected to
  std::vector<TypeSync> types;  // sorted by type URL
};

// Parses /debug/syncz (a JSON array); throws grpcmesh::Error when it is not one.
std::vector<ProxySync> parse_syncz(std::string_view json, const std::string& istiod);
// The same from a whole tree of it.
std::vector<ProxySync> reduce_syncz(Node root, const std::string& istiod);

// "LDS", "CDS", "RDS", "EDS", "SDS", "ECDS" for the Envoy type URLs, else the URL's last part.
std::string short_type(std::string_view type_url);

}  // namespace grpcmesh::check::deep
