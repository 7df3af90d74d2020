#pragma once
// Where a Gateway API Gateway is reached, as istiod makes it reachable, for
// check's path and for grpcurl --host:
//
// - istiod's deployment controller deploys a Service (and Deployment) for a
//   Gateway of its classes, named `<gateway>-<gatewayClassName>` (or the
//   `gateway.istio.io/name-override` annotation), labelled and selecting
//   `gateway.networking.k8s.io/gateway-name: <gateway>`, one port per listener
//   port (istio pilot/pkg/config/kube/gatewaycommon gateway_utils.go
//   GetDefaultName, deploymentcontroller.go; kube-gateway.yaml).
// - istiod writes the Gateway's `status.addresses`: the Service's load
//   balancer ingress when it has one, else its cluster-internal name
//   (`<service>.<ns>.svc.cluster.local`, type Hostname, for class istio) or
//   cluster IP (pilot/pkg/config/kube/gateway/conversion.go, the addresses
//   reported when there are no external ones). Those internal ones are not
//   reachable from outside the cluster.
// - A listener is chosen for a host by its hostname: exact first, then the
//   narrowest wildcard (`*.example.com`: one or more labels), then a listener
//   without a hostname (gateway-api Listener.Hostname).

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace grpcmesh::gatewayapi {

inline constexpr std::string_view kGatewayNameLabel = "gateway.networking.k8s.io/gateway-name";

// Whether istiod deploys the Gateway itself (gatewaycommon IsManaged): no
// spec.addresses, or a single one of type IPAddress (the default). Otherwise
// it is a manual deployment: the Gateway binds to the existing Services its
// Hostname addresses name (conversion.go extractGatewayServices), and istiod
// deploys nothing.
bool managed(const nlohmann::json& gateway);

// The Service of the Gateway as "namespace/name": for a managed Gateway the
// one istiod deploys (the name-override annotation, else
// <name>-<gatewayClassName>, in the Gateway's namespace); for a manual
// deployment the first Hostname address, a short name taken in the Gateway's
// namespace and `<name>.<namespace>.svc...` split. Empty when that address
// names no Service of the cluster.
std::string gateway_service_ref(const nlohmann::json& gateway);

// The Service of `gateway` among `services` (any namespaces). Managed: in the
// Gateway's namespace, labelled or selecting gateway-name=<gateway>, the one
// of the deployed name first, else one of that name. Manual deployment: the
// Service its address names, which istiod looks for in the Gateway's
// namespace only. Null when there is none.
const nlohmann::json* deployed_service(const nlohmann::json& gateway, const std::vector<const nlohmann::json*>& services);

// Whether a status address is the cluster's own name of the Service: a
// hostname with a `svc` label (`gw-istio.ns.svc.cluster.local`), or the
// Service's cluster IP.
bool internal_address(std::string_view value, const nlohmann::json* service);

// An address the gateway is reached on from outside the cluster.
struct ExternalAddress {
  std::string host;    // IP or DNS name, without a port
  std::string source;  // "status.addresses[0] (IPAddress)", "Service ns/name status.loadBalancer.ingress[0].ip"
};
// The Gateway's first external status address (IP addresses before
// hostnames), else the deployed Service's load-balancer ingress (ip, else
// hostname). nullopt when neither has one.
std::optional<ExternalAddress> external_address(const nlohmann::json& gateway, const nlohmann::json* service);

// The values of status.addresses, in order.
std::vector<std::string> status_addresses(const nlohmann::json& gateway);

// How a listener hostname covers a host: exactly, by a wildcard, or by having
// none. Ranked in that order (lower is more specific).
enum class HostnameMatch { Exact = 0, Wildcard = 1, Any = 2, None = 3 };
HostnameMatch listener_hostname_match(std::string_view listener_hostname, std::string_view host);

// A listener of a Gateway that serves a host.
struct HostListener {
  const nlohmann::json* gateway = nullptr;
  const nlohmann::json* listener = nullptr;
  HostnameMatch match = HostnameMatch::None;
  std::string name;
  int port = 0;
  std::string protocol;   // HTTPS, HTTP, TLS, ...
  std::string tls_mode;   // Terminate (the default with a tls block), Passthrough, "" without one
  std::string gateway_ref() const;  // "ns/name"
};
// Every listener of `gateways` whose hostname covers `host`, most specific
// hostname first (exact, wildcard with the longest suffix, none), then in
// the Gateways' and listeners' order. The results point into `gateways`.
std::vector<HostListener> listeners_for_host(const std::vector<nlohmann::json>& gateways, std::string_view host);

}  // namespace grpcmesh::gatewayapi
