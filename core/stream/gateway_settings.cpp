#include "core/stream/gateway_settings.hpp"

#include <fmt/format.h>

#include <cstdio>
#include <map>

#include "core/util/error.hpp"
#include "core/util/yaml.hpp"

namespace grpcmesh::stream {
namespace {

constexpr Duration kEdgeStreamIdle{300000};
constexpr Duration kEdgeRequest{300000};
constexpr Duration kEdgeIdle{3600000};

// The pod's proxy config annotation parsed, or null.
nlohmann::json annotation_of(const nlohmann::json& pod) {
  const nlohmann::json::json_pointer ptr("/metadata/annotations/proxy.istio.io~1config");
  if (!pod.contains(ptr) || !pod.at(ptr).is_string()) {
    return nullptr;
  }
  try {
    nlohmann::json v = yaml::parse(pod.at(ptr).get<std::string>(), kProxyConfigAnnotation);
    return v.is_object() ? v : nlohmann::json(nullptr);
  } catch (const Error&) {
    return nullptr;
  }
}

std::string pod_ref(const nlohmann::json& pod) {
  return fmt::format("pod {}/{}", pod.value("/metadata/namespace"_json_pointer, std::string()),
                     pod.value("/metadata/name"_json_pointer, std::string()));
}

// The value as a duration: strings in Go syntax, numbers as seconds.
std::optional<Duration> duration_of(const nlohmann::json& v) {
  if (v.is_string()) {
    return try_parse_duration(v.get<std::string>());
  }
  if (v.is_number()) {
    return Duration{static_cast<Duration::rep>(v.get<double>() * 1000)};
  }
  return std::nullopt;
}

GatewayTimeout from_value(const nlohmann::json& v, const std::string& source) {
  auto d = duration_of(v);
  if (d && d->count() == 0) {
    d.reset();  // 0 disables
  }
  return GatewayTimeout{d, source};
}

std::string shown(const GatewayTimeout& t) { return t.value ? format_duration(*t.value) : "disabled"; }

}  // namespace

bool istio_at_least(const std::string& version, int major, int minor) {
  int ma = 0;
  int mi = 0;
  if (std::sscanf(version.c_str(), "%d.%d", &ma, &mi) != 2) {
    return true;
  }
  return ma > major || (ma == major && mi >= minor);
}

GatewayTimeouts detect_gateway_timeouts(const GatewayInputs& in) {
  GatewayTimeouts out;
  out.connection_settings_apply = istio_at_least(in.istio_version, 1, 31);

  // ProxyConfig: the mesh default, then the pod annotation field by field.
  nlohmann::json config = nlohmann::json::object();
  std::map<std::string, std::string> source_of;
  if (in.mesh_config.is_object() && in.mesh_config.contains("defaultConfig") &&
      in.mesh_config["defaultConfig"].is_object()) {
    for (const auto& [key, value] : in.mesh_config["defaultConfig"].items()) {
      config[key] = value;
      source_of[key] = in.mesh_config_source + " (mesh defaultConfig." + key + ")";
    }
  }
  for (const auto& pod : in.pods) {
    const nlohmann::json annotation = annotation_of(pod);
    if (annotation.is_null()) {
      continue;
    }
    for (const auto& [key, value] : annotation.items()) {
      config[key] = value;
      source_of[key] = pod_ref(pod) + " annotation " + kProxyConfigAnnotation + " (" + key + ")";
    }
    break;  // the pods of one workload share their template
  }

  // The older downstream idle timeout from proxy metadata or the container env.
  if (config.contains("/proxyMetadata/ISTIO_META_IDLE_TIMEOUT"_json_pointer)) {
    out.downstream_idle = from_value(config["proxyMetadata"]["ISTIO_META_IDLE_TIMEOUT"],
                                     source_of["proxyMetadata"] + " ISTIO_META_IDLE_TIMEOUT");
  }
  for (const auto& pod : in.pods) {
    for (const auto& c : pod.value("/spec/containers"_json_pointer, nlohmann::json::array())) {
      for (const auto& env : c.value("env", nlohmann::json::array())) {
        if (env.value("name", "") == "ISTIO_META_IDLE_TIMEOUT" && env.contains("value")) {
          out.downstream_idle = from_value(env["value"], pod_ref(pod) + " env ISTIO_META_IDLE_TIMEOUT");
        }
      }
    }
    break;
  }

  if (!config.contains("connectionSettings") || !config["connectionSettings"].is_object() ||
      !out.connection_settings_apply) {
    if (config.contains("connectionSettings")) {
      out.profile = config["connectionSettings"].value("profile", "");
    }
    return out;
  }
  const nlohmann::json& cs = config["connectionSettings"];
  const std::string source = source_of["connectionSettings"];
  out.profile = cs.value("profile", "");
  if (out.profile == "EDGE") {
    out.stream_idle = GatewayTimeout{kEdgeStreamIdle, source + ": profile EDGE default httpStreamIdleTimeout"};
    out.request = GatewayTimeout{kEdgeRequest, source + ": profile EDGE default httpRequestTimeout"};
    out.downstream_idle = GatewayTimeout{kEdgeIdle, source + ": profile EDGE default httpIdleTimeout"};
  }
  if (cs.contains("httpStreamIdleTimeout")) {
    out.stream_idle = from_value(cs["httpStreamIdleTimeout"], source + ": httpStreamIdleTimeout");
  }
  if (cs.contains("httpRequestTimeout")) {
    out.request = from_value(cs["httpRequestTimeout"], source + ": httpRequestTimeout");
  }
  if (cs.contains("httpIdleTimeout")) {
    out.downstream_idle = from_value(cs["httpIdleTimeout"], source + ": httpIdleTimeout");
  }
  return out;
}

std::vector<std::string> gateway_findings(const GatewayTimeouts& t) {
  std::vector<std::string> out;
  if (t.stream_idle.value) {
    out.push_back(fmt::format(
        "the gateway closes a stream that sends nothing for {} ({}); streams quieter than that are cut: send "
        "application keepalives more often, or raise it with --gateway-idle-timeout (sets "
        "connectionSettings.httpStreamIdleTimeout in the gateway pods' {} annotation)",
        shown(t.stream_idle), t.stream_idle.source, kProxyConfigAnnotation));
  }
  if (t.request.value) {
    out.push_back(fmt::format(
        "the gateway ends any request not fully received within {} ({}): client- and bidi-streaming calls longer "
        "than that are cut; set connectionSettings.httpRequestTimeout above the longest stream in the gateway pods' {} "
        "annotation",
        shown(t.request), t.request.source, kProxyConfigAnnotation));
  }
  return out;
}

std::string proxy_config_with_stream_idle(const std::string& current, Duration timeout) {
  nlohmann::json config = nlohmann::json::object();
  if (!current.empty()) {
    config = yaml::parse(current, kProxyConfigAnnotation);
    if (!config.is_object()) {
      throw Error(fmt::format("the gateway pods' {} annotation is not a ProxyConfig object; fix it first",
                              kProxyConfigAnnotation));
    }
  }
  config["connectionSettings"]["httpStreamIdleTimeout"] = format_duration(timeout);
  return config.dump();
}

}  // namespace grpcmesh::stream
