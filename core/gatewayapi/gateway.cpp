#include "core/gatewayapi/gateway.hpp"

#include "core/manifest/names.hpp"
#include "core/util/error.hpp"

namespace grpcmesh::gatewayapi {

std::string listener_name(const std::string& host, const std::string& protocol) {
  return manifest::host_object_name(host) + (protocol == "HTTPS" ? "-https" : "-h2c");
}

bool made_by_init(const Listener& l) {
  return !l.hostname.empty() && (l.protocol == "HTTPS" || l.protocol == "HTTP") &&
         l.name == listener_name(l.hostname, l.protocol);
}

std::vector<Listener> listeners_of(const nlohmann::json& gateway) {
  std::vector<Listener> out;
  for (const auto& l : gateway.value("/spec/listeners"_json_pointer, nlohmann::json::array())) {
    if (!l.is_object()) {
      continue;
    }
    Listener listener{l.value("name", ""), l.value("hostname", ""), l.value("port", 0), l.value("protocol", ""), "",
                      ""};
    const nlohmann::json refs = l.value("/tls/certificateRefs"_json_pointer, nlohmann::json::array());
    if (refs.is_array() && !refs.empty() && refs[0].is_object()) {
      listener.secret_name = refs[0].value("name", "");
      listener.secret_namespace = refs[0].value("namespace", "");
    }
    out.push_back(std::move(listener));
  }
  return out;
}

nlohmann::json listener_json(const Listener& l) {
  nlohmann::json out = {{"name", l.name}, {"port", l.port}, {"protocol", l.protocol}};
  if (!l.hostname.empty()) {
    out["hostname"] = l.hostname;
  }
  if (l.protocol == "HTTPS") {
    nlohmann::json ref = {{"group", ""}, {"kind", "Secret"}, {"name", l.secret_name}};
    if (!l.secret_namespace.empty()) {
      ref["namespace"] = l.secret_namespace;
    }
    out["tls"] = {{"mode", "Terminate"}, {"certificateRefs", nlohmann::json::array({ref})}};
  }
  // The host's routes live in the Gateway's namespace (expose writes them
  // there); the kinds default to those the protocol carries (HTTPRoute and
  // GRPCRoute).
  out["allowedRoutes"] = {{"namespaces", {{"from", "Same"}}}};
  return out;
}

nlohmann::json gateway(const GatewayConfig& c) {
  nlohmann::json metadata = {{"name", c.name}, {"namespace", c.namespace_name}};
  nlohmann::json spec = nlohmann::json::object();
  if (c.gateway_class) {
    metadata["labels"] = {{std::string(manifest::kManagedByLabel), std::string(manifest::kManagedByValue)}};
    spec["gatewayClassName"] = *c.gateway_class;
  }
  spec["listeners"] = nlohmann::json::array();
  for (const Listener& l : c.listeners) {
    spec["listeners"].push_back(listener_json(l));
  }
  if (!c.tls.is_null()) {
    spec["tls"] = c.tls;
  }
  return {{"apiVersion", kApiVersion}, {"kind", "Gateway"}, {"metadata", metadata}, {"spec", spec}};
}

std::string ref(const nlohmann::json& object) {
  return object.value("/metadata/namespace"_json_pointer, std::string()) + "/" +
         object.value("/metadata/name"_json_pointer, std::string());
}

std::string client_ca_config_map_name(const std::string& host) {
  return manifest::host_object_name(host) + "-client-ca";
}

nlohmann::json client_ca_tls(int port, const std::string& config_map) {
  const nlohmann::json validation = {
      {"caCertificateRefs", nlohmann::json::array({{{"group", ""}, {"kind", "ConfigMap"}, {"name", config_map}}})}};
  // `default` is required by the schema; left empty it asks nothing of the
  // clients of other ports.
  return {{"frontend",
           {{"default", nlohmann::json::object()},
            {"perPort", nlohmann::json::array({{{"port", port}, {"tls", {{"validation", validation}}}}})}}}};
}

std::string client_ca_of(const nlohmann::json& gateway, int port) {
  const nlohmann::json frontend = gateway.value("/spec/tls/frontend"_json_pointer, nlohmann::json::object());
  if (!frontend.is_object()) {
    return "";
  }
  nlohmann::json validation = frontend.value("/default/validation"_json_pointer, nlohmann::json());
  for (const auto& p : frontend.value("perPort", nlohmann::json::array())) {
    if (p.is_object() && p.value("port", 0) == port) {
      validation = p.value("/tls/validation"_json_pointer, nlohmann::json());
    }
  }
  if (!validation.is_object()) {
    return "";
  }
  for (const auto& r : validation.value("caCertificateRefs", nlohmann::json::array())) {
    if (r.is_object() && r.value("kind", "") == "ConfigMap" && r.value("group", "") == "" && !r.contains("namespace")) {
      return r.value("name", "");
    }
  }
  return "";
}

nlohmann::json client_ca_config_map(const std::string& name, const std::string& ns, const std::string& ca_pem) {
  return {{"apiVersion", "v1"},
          {"kind", "ConfigMap"},
          {"metadata",
           {{"name", name},
            {"namespace", ns},
            {"labels", {{std::string(manifest::kManagedByLabel), std::string(manifest::kManagedByValue)}}}}},
          {"data", {{"ca.crt", ca_pem}}}};
}

GatewayRef gateway_from_flags(const std::string& gateway, const std::string& gateway_namespace,
                              const std::string& host) {
  if (!gateway.empty()) {
    const auto slash = gateway.find('/');
    return {gateway.substr(0, slash), gateway.substr(slash + 1)};
  }
  if (!gateway_namespace.empty()) {
    return {gateway_namespace, manifest::host_object_name(host)};
  }
  throw UsageError("--dry-run=client cannot look up the host's Gateway; pass --gateway-namespace (e.g. "
                   "istio-ingress) or --gateway NAMESPACE/NAME");
}

}  // namespace grpcmesh::gatewayapi
