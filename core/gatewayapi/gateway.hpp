#pragma once
// Gateway API Gateways (gateway.networking.k8s.io/v1) as init writes them:
// one listener per host and protocol, named after the host, so several hosts
// (and other teams' listeners) share one Gateway. The listeners list is a
// map keyed by name for server-side apply, so an apply configuration that
// holds only a host's listeners leaves every other listener alone.

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace grpcmesh::gatewayapi {

inline constexpr const char* kGroup = "gateway.networking.k8s.io";
inline constexpr const char* kApiVersion = "gateway.networking.k8s.io/v1";

struct Listener {
  std::string name;
  std::string hostname;  // "" = any host
  int port = 0;
  std::string protocol;  // HTTPS (tls.mode Terminate) or HTTP (h2c)
  std::string secret_name;       // HTTPS: the certificateRefs Secret
  std::string secret_namespace;  // "" = the Gateway's namespace
};

// "<host-object-name>-https" or "<host-object-name>-h2c".
std::string listener_name(const std::string& host, const std::string& protocol);

// Whether init made the listener (for any host): its name is the one init
// gives a listener of its hostname and protocol. One field manager applies
// them all, so every apply to a Gateway must give all of them again, or
// server-side apply drops the ones left out.
bool made_by_init(const Listener& listener);

// The listeners of a Gateway as they are (any owner).
std::vector<Listener> listeners_of(const nlohmann::json& gateway);

nlohmann::json listener_json(const Listener& listener);

struct GatewayConfig {
  std::string name;
  std::string namespace_name;
  // Set only on a Gateway init creates (labelled as ours); a shared Gateway
  // gets only its listeners applied.
  std::optional<std::string> gateway_class;
  std::vector<Listener> listeners;
  // spec.tls (client certificate validation, init --client-ca); null = none.
  // Only on a Gateway of kubectl-grpcmesh's own, which re-applies it with
  // every change (server-side apply would drop it otherwise).
  nlohmann::json tls = nullptr;
};

// The apply configuration.
nlohmann::json gateway(const GatewayConfig& config);

// "ns/name".
std::string ref(const nlohmann::json& object);

// Client certificates (init --client-ca). The Gateway API asks for them
// Gateway-wide, not per listener: spec.tls.frontend validates the clients
// of every HTTPS listener on a port (perPort) or on all ports (default)
// against caCertificateRefs (a ConfigMap with ca.crt is the Core form).
// Istio turns that into tls mode MUTUAL with the ConfigMap as the CA
// (pilot/pkg/config/kube/gateway/conversion.go buildTLS); only one
// caCertificateRef per port is supported there.
//
// The ConfigMap init writes the CA into: "<host-object-name>-client-ca".
std::string client_ca_config_map_name(const std::string& host);

// spec.tls asking the clients of the HTTPS listeners on `port` for a
// certificate signed by the CA in ConfigMap `config_map` (ca.crt), in the
// Gateway's namespace.
nlohmann::json client_ca_tls(int port, const std::string& config_map);

// The ConfigMap named by the Gateway's client validation for `port`
// (perPort, else default), "" when none.
std::string client_ca_of(const nlohmann::json& gateway, int port);

// The ConfigMap holding the CA (data ca.crt), labelled as ours.
nlohmann::json client_ca_config_map(const std::string& name, const std::string& namespace_name,
                                    const std::string& ca_pem);

// The Gateway a command without a cluster (--dry-run=client) writes to:
// --gateway NAMESPACE/NAME, else the host's own Gateway in
// --gateway-namespace; with neither it is a usage error.
struct GatewayRef {
  std::string namespace_name;
  std::string name;
};
GatewayRef gateway_from_flags(const std::string& gateway, const std::string& gateway_namespace,
                              const std::string& host);

}  // namespace grpcmesh::gatewayapi
