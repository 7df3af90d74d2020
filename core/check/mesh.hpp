#pragma once

// Istio's rules, as check needs them: how a Service port's protocol is chosen
// (core/mesh/protocol.hpp, shared with expose), how routes name gateways and
// destinations, how hosts match. Shared by the analyzers; each rule cites
// where Istio implements it.

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/check/analyzer.hpp"
#include "core/mesh/protocol.hpp"

namespace grpcmesh::check::mesh {

// The protocol Istio gives a Service port: core/mesh/protocol.hpp
// (ConvertProtocol, pkg/config/kube/conversion.go) over the port's fields.
struct PortProtocol {
  std::string protocol;           // Istio's name: GRPC, GRPC-Web, HTTP2, HTTP, HTTPS, TCP, UnsupportedProtocol, ...
  bool from_app_protocol = false;  // appProtocol is set, so the port name is ignored
  bool recognised = true;          // false: UnsupportedProtocol (a gateway speaks HTTP/1.1 upstream)
};
PortProtocol port_protocol(Node service_port);
// The protocol the port's name alone would give it, as if appProtocol were
// not set (empty when unrecognised).
std::string protocol_from_name(Node service_port);
// GRPC, GRPC-Web and HTTP2 make Envoy speak HTTP/2 upstream; GRPC and
// GRPC-Web are gRPC (protocol.Instance IsHTTP2 and IsGRPC).
using ::grpcmesh::mesh::is_grpc;
using ::grpcmesh::mesh::is_http2;
namespace protocol = ::grpcmesh::mesh::protocol;

// A namespace/name pair.
struct NamespacedName {
  std::string namespace_name;
  std::string name;
  std::string str() const { return namespace_name + "/" + name; }
  bool operator==(const NamespacedName&) const = default;
  auto operator<=>(const NamespacedName&) const = default;
};

// spec.gateways of a VirtualService ("name", "ns/name"), without "mesh".
std::vector<NamespacedName> gateway_refs(const Resource& virtual_service);
// The Service a destination host names, relative to the route's namespace
// ("svc" or "svc.ns.svc.cluster.local"); nullopt for other (external) hosts.
std::optional<NamespacedName> service_for_host(std::string_view host, const std::string& route_namespace);

// One destination of an http/tcp/tls rule.
struct Destination {
  std::string section;  // "http", "tcp" or "tls"
  int rule = 0;         // index in that section
  std::string host;
  int port = 0;         // 0 when not given
  std::string subset;   // "" when not given
};
std::vector<Destination> destinations(const Resource& virtual_service);

// Gateway server hosts may carry a namespace ("ns/host"); wildcards "*" and
// "*.example.com" match as in Istio.
bool host_matches(std::string_view pattern, std::string_view host);
std::string server_host(std::string_view host);
// A gateway server's hosts, without their namespace prefixes.
std::vector<std::string> server_hosts(Node server);

// Label selector (a map) matching labels.
using Labels = std::map<std::string, std::string, std::less<>>;
bool selects(Node selector, Node labels);
bool selects(Node selector, const Labels& labels);
Labels labels_of(Node labels);
std::string selector_string(Node selector);

// The Pods a selector picks (from the label index, not a scan of every Pod).
std::vector<const Resource*> selected_pods(const Context& ctx, Node selector);
// Services whose selector agrees with a Gateway's: the same value for every
// label they share, and at least one shared.
// `source` is the Snapshot, or an analyzer's Context (which must declare Service).
template <typename Source>
std::vector<const Resource*> agreeing_services(const Source& source, Node gateway_selector);

// Namespaces where the gateway workload runs: namespaces of the pods the
// selector picks, or (when Pods are not readable) of Services whose selector
// agrees with it. Needs Pod and/or Service declared by the caller.
std::vector<std::string> workload_namespaces(const Context& ctx, const Resource& gateway);

// Durations as Istio accepts them ("30s", "1.5s", "100ms", "1h2m").
std::optional<std::chrono::nanoseconds> parse_duration(std::string_view text);

// Port numbers of a Service, "80, 443".
std::string port_list(const Resource& service);
// The port numbered `port` (null when absent).
Node find_port(const Resource& service, int port);
// The port a destination reaches: the one numbered `port`, or the only one
// when no number is given (null when neither).
Node destination_port(const Resource& service, int port);
// The Service a destination names, when it exists.
const Resource* destination_service(const Context& ctx, const Destination& d, const std::string& route_namespace);

}  // namespace grpcmesh::check::mesh

namespace grpcmesh::check::mesh {

// "/package.Service/" or "/package.Service/Method": a gRPC request path.
bool looks_like_grpc_path(std::string_view path);
// An http rule that shows it carries gRPC: a gRPC path match, a grpc
// content-type match, or a corsPolicy exposing grpc-status.
bool rule_looks_grpc(Node http_rule);
// A Service port that says it is gRPC by name or appProtocol.
bool port_looks_grpc(const Resource& service, Node port);

// The Gateways a VirtualService binds to that exist in the snapshot.
std::vector<const Resource*> bound_gateways(const Context& ctx, const Resource& virtual_service);
// The servers of a gateway that serve `host`.
std::vector<Node> servers_for_host(const Resource& gateway, std::string_view host);
// A server whose TLS mode forwards the connection untouched (PASSTHROUGH or
// AUTO_PASSTHROUGH): only tls: routes (by SNI) apply to it.
bool passthrough(Node server);
std::vector<std::string> string_list(Node value);
// The route's hosts, and the first of them (or "") for findings about it.
std::vector<std::string> hosts(const Resource& virtual_service);
Message on_first_host(Message m, const std::vector<std::string>& hosts);
std::string upper(std::string_view s);

}  // namespace grpcmesh::check::mesh
