#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/kube/connection_options.hpp"

namespace grpcmesh::grpc {

// Where `--host HOST` leads: the gateway's external address, or the Service
// to port-forward to, and the TLS/authority settings the serving Gateway
// server calls for.
struct GatewayRoute {
  std::string address;  // host:port to dial; empty when a port-forward is needed
  bool plaintext = false;
  std::string authority;   // HOST
  std::string servername;  // HOST for TLS; empty for plaintext
  std::string service_namespace;
  std::string service_name;
  int service_port = 0;
  std::vector<std::string> notes;  // what was resolved and why, for -v
};

// What the cluster says, as the API returns it.
struct GatewayInputs {
  std::vector<nlohmann::json> gateways;  // networking.istio.io Gateways, all namespaces
  std::vector<nlohmann::json> pods;      // pods that may be gateway workloads
  std::vector<nlohmann::json> services;  // Services in front of them
  std::vector<nlohmann::json> nodes;     // for NodePort addresses (may be empty)
  std::vector<nlohmann::json> kube_gateways;  // gateway.networking.k8s.io Gateways (none when not served)
};

// Resolves HOST against the Gateways: picks the server (HTTPS, then TLS, then
// GRPC/HTTP2/HTTP; plaintext servers first with -plaintext), its workload and
// Service, and the address: status.loadBalancer.ingress (ip, else hostname),
// else a NodePort on a node address, else (with `port_forward`) a Service to
// tunnel to. When no Istio Gateway server serves HOST, the Gateway API
// Gateways' listeners are searched the same way (HTTPS, then TLS, then HTTP;
// the most specific hostname first): the address is the Gateway's external
// status.addresses, else the load balancer, NodePort or port-forward of the
// Service istiod deployed for it (core/gatewayapi/address.hpp); HTTPS
// Terminate and TLS listeners mean TLS with SNI = HOST, HTTP h2c. Throws
// grpcmesh::Error saying what is missing and how to fix it.
GatewayRoute resolve_gateway(const std::string& host, const GatewayInputs& inputs, bool prefer_plaintext,
                             bool port_forward);

// Reads the inputs from the cluster the kubectl connection flags name.
GatewayInputs read_gateway_inputs(const kube::ConnectionOptions& connection, std::ostream& diagnostics);

// The local address in `kubectl port-forward`'s output ("Forwarding from
// 127.0.0.1:41234 -> 8443"), once it has printed it.
std::optional<std::string> forwarded_address(const std::string& output);

// `kubectl port-forward svc/NAME :PORT` (the kubectl on PATH) for the life of
// the object. Throws Error with kubectl's own reason when it exits instead of
// forwarding (e.g. no running pod, or no kubelet to forward through).
class PortForward {
 public:
  PortForward(const kube::ConnectionOptions& connection, const std::string& namespace_name,
              const std::string& service, int port, double timeout_seconds);
  ~PortForward();
  PortForward(const PortForward&) = delete;
  PortForward& operator=(const PortForward&) = delete;
  // "127.0.0.1:LOCALPORT"
  const std::string& address() const { return address_; }

 private:
  void stop();
  int pid_ = -1;
  std::string address_;
};

}  // namespace grpcmesh::grpc
