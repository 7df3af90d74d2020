#pragma once
// What the gateway workload's proxy configuration does to long-lived
// streams: Istio 1.31+ ProxyConfig connectionSettings (the EDGE profile sets
// a 5m stream idle timeout and a 5m request timeout) and the older
// ISTIO_META_IDLE_TIMEOUT downstream idle timeout. Pure functions over the
// objects as the API returns them.

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/stream/duration.hpp"

namespace grpcmesh::stream {

inline constexpr const char* kProxyConfigAnnotation = "proxy.istio.io/config";

// The inputs: the mesh config (data.mesh of ConfigMap istio-system/istio,
// parsed; null when unknown), the gateway pods, and Istio's version
// ("1.31.0" from the istiod image; "" when unknown).
struct GatewayInputs {
  nlohmann::json mesh_config;
  std::string mesh_config_source = "ConfigMap istio-system/istio";
  std::vector<nlohmann::json> pods;
  std::string istio_version;
};

// One timeout of the gateway: nothing = disabled.
struct GatewayTimeout {
  std::optional<Duration> value;
  std::string source;  // the object (and field) it comes from, or "Istio default"
};

struct GatewayTimeouts {
  std::string profile;  // connectionSettings.profile in effect ("EDGE", "SIDECAR" or "")
  bool connection_settings_apply = true;  // false before Istio 1.31 (the field is ignored)
  GatewayTimeout stream_idle{std::nullopt, "Istio default (stream_idle_timeout 0: disabled)"};
  GatewayTimeout request{std::nullopt, "Istio default (request_timeout disabled)"};
  GatewayTimeout downstream_idle{Duration{3600000}, "Envoy default"};
};

// Is `version` ("1.31.0", "1.31-dev", "1.30.2") at least major.minor? An
// unknown or unparsable version counts as recent.
bool istio_at_least(const std::string& version, int major, int minor);

// The effective gateway timeouts: the pod annotation's top-level fields
// replace the mesh defaultConfig's (Istio merges ProxyConfig per field);
// within connectionSettings, explicit fields win over the profile's defaults.
GatewayTimeouts detect_gateway_timeouts(const GatewayInputs& inputs);

// Findings that cut long-lived streams, each one line with the fix.
std::vector<std::string> gateway_findings(const GatewayTimeouts& timeouts);

// The pod annotation value after setting connectionSettings.httpStreamIdleTimeout
// to `timeout` in `current` (the annotation as it is, possibly empty; YAML
// or JSON), as JSON text. Keeps every other field.
std::string proxy_config_with_stream_idle(const std::string& current, Duration timeout);

}  // namespace grpcmesh::stream
