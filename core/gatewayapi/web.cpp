#include "core/gatewayapi/web.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "core/gatewayapi/gateway.hpp"
#include "core/manifest/grpc_web_filter.hpp"
#include "core/manifest/names.hpp"
#include "core/stream/duration.hpp"
#include "core/stream/web_command.hpp"
#include "core/util/error.hpp"

namespace grpcmesh::gatewayapi {
namespace {

constexpr const char* kCorsFilterName = "envoy.filters.http.cors";

std::string str_at(const nlohmann::json& o, const char* pointer) {
  const nlohmann::json::json_pointer ptr(pointer);
  return o.contains(ptr) && o.at(ptr).is_string() ? o.at(ptr).get<std::string>() : std::string();
}

std::string joined(const nlohmann::json& list) {
  std::string out;
  for (const auto& v : list) {
    out += (out.empty() ? "" : ",") + v.get<std::string>();
  }
  return out;
}

// Envoy's CorsPolicy for the options, field for field what Istio makes of a
// VirtualService corsPolicy with the same values (manifest::cors_policy, the
// one `web --api istio` writes).
nlohmann::json envoy_cors_policy(const manifest::CorsOptions& c) {
  const nlohmann::json istio = manifest::cors_policy(c);
  nlohmann::json origins = nlohmann::json::array();
  for (const auto& o : istio["allowOrigins"]) {
    if (o.contains("exact")) {
      origins.push_back({{"exact", o["exact"]}});
    } else {
      origins.push_back({{"safe_regex", {{"regex", o["regex"]}}}});
    }
  }
  nlohmann::json policy = {
      {"@type", "type.googleapis.com/envoy.extensions.filters.http.cors.v3.CorsPolicy"},
      {"allow_origin_string_match", origins},
      {"allow_methods", joined(istio["allowMethods"])},
      {"allow_headers", joined(istio["allowHeaders"])},
      {"expose_headers", joined(istio["exposeHeaders"])},
      {"max_age", std::to_string(stream::parse_duration_flag(c.max_age, "--max-age").count() / 1000)},
  };
  if (c.allow_credentials) {
    policy["allow_credentials"] = true;
  }
  return policy;
}

nlohmann::json metadata(const std::string& name, const std::string& ns) {
  return {{"name", name},
          {"namespace", ns},
          {"labels", {{std::string(manifest::kManagedByLabel), std::string(manifest::kManagedByValue)}}}};
}

// The host an EnvoyFilter web wrote puts its CORS policy on, or "".
std::string cors_host(const nlohmann::json& filter) {
  if (!manifest::managed_by_us(filter)) {
    return "";
  }
  for (const auto& p : filter.value("/spec/configPatches"_json_pointer, nlohmann::json::array())) {
    if (p.value("applyTo", "") == "VIRTUAL_HOST" &&
        p.contains("/patch/value/typed_per_filter_config/envoy.filters.http.cors"_json_pointer)) {
      return str_at(p, "/match/routeConfiguration/vhost/domainName");
    }
  }
  return "";
}

}  // namespace

WebFacts web_facts_from_flags(const WebOptions& o) {
  WebFacts f;
  GatewayRef gateway = gateway_from_flags(o.gateway, o.gateway_namespace, o.host);
  f.gateway_namespace = std::move(gateway.namespace_name);
  f.gateway_name = std::move(gateway.name);
  return f;
}

std::string cors_filter_name(const std::string& host) { return manifest::host_object_name(host) + "-cors"; }

nlohmann::json cors_filter(const WebOptions& o, const std::string& gateway_namespace, const std::string& gateway_name) {
  nlohmann::json patch = {
      {"applyTo", "VIRTUAL_HOST"},
      // domainName: every virtual host serving the host, whatever its port
      // (Istio names them HOST:PORT).
      {"match", {{"context", "GATEWAY"}, {"routeConfiguration", {{"vhost", {{"domainName", o.host}}}}}}},
      {"patch",
       {{"operation", "MERGE"},
        {"value", {{"typed_per_filter_config", {{kCorsFilterName, envoy_cors_policy(o.cors)}}}}}}},
  };
  return {{"apiVersion", "networking.istio.io/v1alpha3"},
          {"kind", "EnvoyFilter"},
          {"metadata", metadata(cors_filter_name(o.host), gateway_namespace)},
          {"spec",
           {{"workloadSelector", {{"labels", {{kGatewayNameLabel, gateway_name}}}}},
            {"configPatches", nlohmann::json::array({patch})}}}};
}

mesh::ChangeSet plan_web(const WebOptions& o, const WebFacts& f) {
  mesh::ChangeSet cs;
  const mesh::Labels selector{{kGatewayNameLabel, f.gateway_name}};
  const std::string gw_ref = f.gateway_namespace + "/" + f.gateway_name;
  const std::string web_name = manifest::grpc_web_filter_name(selector);
  const std::string cors_name = cors_filter_name(o.host);
  const auto find = [&](const std::string& name) -> const nlohmann::json* {
    for (const auto& e : f.envoy_filters) {
      if (str_at(e, "/metadata/name") == name && str_at(e, "/metadata/namespace") == f.gateway_namespace) {
        return &e;
      }
    }
    return nullptr;
  };
  const nlohmann::json* ours_cors = find(cors_name);
  const nlohmann::json* ours_web = find(web_name);
  if (ours_web != nullptr && !manifest::managed_by_us(*ours_web)) {
    ours_web = nullptr;
  }
  // Other hosts of the same Gateway whose CORS filter web wrote.
  std::vector<std::string> others;
  for (const auto& e : f.envoy_filters) {
    const std::string host = cors_host(e);
    if (!host.empty() && host != o.host &&
        e.value("/spec/workloadSelector/labels"_json_pointer, nlohmann::json::object()) ==
            nlohmann::json(selector)) {
      others.push_back(host);
    }
  }

  if (o.remove) {
    if (ours_cors != nullptr && manifest::managed_by_us(*ours_cors)) {
      cs.changes.push_back({mesh::Change::Kind::Release, *ours_cors});
      cs.notes.push_back(fmt::format("EnvoyFilter {}/{} is removed: {} has no CORS policy", f.gateway_namespace,
                                     cors_name, o.host));
    } else if (f.known) {
      cs.notes.push_back(fmt::format("EnvoyFilter {}/{} does not exist; no CORS policy to remove", f.gateway_namespace,
                                     cors_name));
    }
    if (ours_web != nullptr && others.empty()) {
      cs.changes.push_back({mesh::Change::Kind::Release, *ours_web});
      cs.notes.push_back(fmt::format("EnvoyFilter {}/{} is removed: no other host on Gateway {} uses gRPC-Web",
                                     f.gateway_namespace, web_name, gw_ref));
    } else if (ours_web != nullptr) {
      cs.notes.push_back(fmt::format("EnvoyFilter {}/{} stays: {} on Gateway {} still use{} gRPC-Web",
                                     f.gateway_namespace, web_name, fmt::join(others, ", "), gw_ref,
                                     others.size() == 1 ? "s" : ""));
    }
    return cs;
  }

  if (ours_cors != nullptr && !manifest::managed_by_us(*ours_cors)) {
    throw Error(fmt::format("EnvoyFilter {}/{} exists and was not created by kubectl-grpcmesh; rename or delete it",
                            f.gateway_namespace, cors_name));
  }
  // grpc_web: ours again, or another filter that adds it to these pods.
  const auto equivalent =
      stream::equivalent_grpc_web_filter(f.envoy_filters, selector, f.gateway_namespace, "istio-system");
  if (equivalent && !manifest::managed_by_us(*equivalent)) {
    cs.notes.push_back(fmt::format("EnvoyFilter {}/{} already adds {} to the pods of Gateway {}; no second one",
                                   str_at(*equivalent, "/metadata/namespace"), str_at(*equivalent, "/metadata/name"),
                                   manifest::kGrpcWebFilterName, gw_ref));
  } else {
    cs.changes.push_back({mesh::Change::Kind::Apply,
                          manifest::grpc_web_filter({web_name, f.gateway_namespace, selector})});
    cs.notes.push_back(fmt::format("EnvoyFilter {}/{} adds {} first in the HTTP filters of the pods of Gateway {} "
                                   "(label {}={}): Istio adds it to no Gateway API listener",
                                   f.gateway_namespace, web_name, manifest::kGrpcWebFilterName, gw_ref,
                                   kGatewayNameLabel, f.gateway_name));
  }
  cs.changes.push_back({mesh::Change::Kind::Apply, cors_filter(o, f.gateway_namespace, f.gateway_name)});
  std::vector<std::string> origins = o.cors.origins;
  for (const auto& r : o.cors.origin_regexes) {
    origins.push_back("regex " + r);
  }
  cs.notes.push_back(fmt::format("EnvoyFilter {}/{} puts the CORS policy (origins {}) on the virtual hosts of {}: "
                                 "every route of the host inherits it, so the browser's preflight is answered and "
                                 "its calls get the CORS headers (a GRPCRoute has no CORS filter)",
                                 f.gateway_namespace, cors_name, fmt::join(origins, ", "), o.host));
  return cs;
}

}  // namespace grpcmesh::gatewayapi
