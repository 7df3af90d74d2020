#include "core/gatewayapi/grpc_route.hpp"

#include <fmt/format.h>

#include "core/gatewayapi/gateway.hpp"
#include "core/manifest/names.hpp"
#include "core/util/error.hpp"

namespace grpcmesh::gatewayapi {
namespace {

nlohmann::json managed_labels() {
  return {{std::string(manifest::kManagedByLabel), std::string(manifest::kManagedByValue)}};
}

}  // namespace

std::string MethodMatch::path() const { return "/" + service + "/" + method; }

MethodMatch parse_grpc_method(const std::string& value) {
  const auto slash = value.find('/');
  if (slash == std::string::npos || slash == 0 || slash + 1 == value.size() ||
      value.find('/', slash + 1) != std::string::npos) {
    throw UsageError(fmt::format("--grpc-method {} is not SERVICE/METHOD (e.g. helloworld.Greeter/SayHello)", value));
  }
  MethodMatch m{value.substr(0, slash), value.substr(slash + 1)};
  manifest::validate_grpc_service(m.service);
  for (char c : m.method) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_')) {
      throw UsageError(fmt::format("--grpc-method {}: the method {} is not a protobuf identifier", value, m.method));
    }
  }
  return m;
}

std::vector<RouteRule> rules_of(const nlohmann::json& route) {
  std::vector<RouteRule> out;
  for (const auto& rule : route.value("/spec/rules"_json_pointer, nlohmann::json::array())) {
    RouteRule r;
    r.original = rule;
    const auto backends = rule.value("backendRefs", nlohmann::json::array());
    if (backends.size() == 1 && backends[0].is_object() && backends[0].value("group", "") == "" &&
        backends[0].value("kind", "Service") == "Service") {
      r.service = backends[0].value("name", "");
      r.service_namespace = backends[0].value("namespace", "");
      r.port = backends[0].value("port", 0);
    }
    bool readable = !r.service.empty();
    for (const auto& m : rule.value("matches", nlohmann::json::array())) {
      const auto method = m.value("method", nlohmann::json::object());
      if (m.contains("headers") || method.value("type", "Exact") != "Exact" || !method.contains("service")) {
        readable = false;
        continue;
      }
      r.matches.push_back({method.value("service", ""), method.value("method", "")});
    }
    if (!readable) {
      r.service.clear();  // not ours to rewrite
    }
    out.push_back(std::move(r));
  }
  return out;
}

nlohmann::json grpc_route(const GrpcRouteConfig& c) {
  nlohmann::json parents = nlohmann::json::array();
  for (const std::string& g : c.gateways) {
    const auto slash = g.find('/');
    nlohmann::json p = {{"group", kGroup}, {"kind", "Gateway"}, {"name", g.substr(slash + 1)}};
    if (g.substr(0, slash) != c.namespace_name) {
      p["namespace"] = g.substr(0, slash);
    }
    parents.push_back(p);
  }
  nlohmann::json rules = nlohmann::json::array();
  for (const RouteRule& r : c.rules) {
    if (r.service.empty()) {  // a rule this tool cannot read back stays as it is
      rules.push_back(r.original);
      continue;
    }
    nlohmann::json rule = r.original.is_object() ? r.original : nlohmann::json::object();
    nlohmann::json matches = nlohmann::json::array();
    for (const MethodMatch& m : r.matches) {
      nlohmann::json method = {{"type", "Exact"}, {"service", m.service}};
      if (!m.method.empty()) {
        method["method"] = m.method;
      }
      matches.push_back({{"method", method}});
    }
    if (matches.empty()) {
      rule.erase("matches");
    } else {
      rule["matches"] = matches;
    }
    nlohmann::json backend = {{"name", r.service}, {"port", r.port}};
    if (!r.service_namespace.empty() && r.service_namespace != c.namespace_name) {
      backend["namespace"] = r.service_namespace;
    }
    rule["backendRefs"] = nlohmann::json::array({backend});
    rules.push_back(rule);
  }
  return {{"apiVersion", kApiVersion},
          {"kind", "GRPCRoute"},
          {"metadata", {{"name", c.name}, {"namespace", c.namespace_name}, {"labels", managed_labels()}}},
          {"spec", {{"parentRefs", parents}, {"hostnames", nlohmann::json::array({c.host})}, {"rules", rules}}}};
}

nlohmann::json service_reference_grant(const std::string& name, const std::string& service_namespace,
                                       const std::string& route_namespace, const std::string& service) {
  return {{"apiVersion", "gateway.networking.k8s.io/v1beta1"},
          {"kind", "ReferenceGrant"},
          {"metadata", {{"name", name}, {"namespace", service_namespace}, {"labels", managed_labels()}}},
          {"spec",
           {{"from", nlohmann::json::array({{{"group", kGroup}, {"kind", "GRPCRoute"}, {"namespace", route_namespace}}})},
            {"to", nlohmann::json::array({{{"group", ""}, {"kind", "Service"}, {"name", service}}})}}}};
}

}  // namespace grpcmesh::gatewayapi
