#include "core/stream/web_command.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "core/manifest/grpc_web_filter.hpp"
#include "core/manifest/http_routes.hpp"
#include "core/stream/virtual_service_edit.hpp"
#include "core/util/error.hpp"
#include "core/util/yaml.hpp"

namespace grpcmesh::stream {
namespace {

std::string str_at(const nlohmann::json& o, const char* pointer) {
  const nlohmann::json::json_pointer ptr(pointer);
  return o.contains(ptr) && o.at(ptr).is_string() ? o.at(ptr).get<std::string>() : std::string();
}

bool adds_grpc_web(const nlohmann::json& filter) {
  for (const auto& p : filter.value("/spec/configPatches"_json_pointer, nlohmann::json::array())) {
    const std::string name = str_at(p, "/patch/value/name");
    if (p.value("applyTo", "") == "HTTP_FILTER" && (name == manifest::kGrpcWebFilterName || name == "envoy.grpc_web")) {
      return true;
    }
  }
  return false;
}

std::string origins_of(const manifest::CorsOptions& c) {
  std::vector<std::string> all = c.origins;
  for (const auto& r : c.origin_regexes) {
    all.push_back("regex " + r);
  }
  return fmt::format("{}", fmt::join(all, ", "));
}

}  // namespace

// The CORS policy web sets lets browsers send x-grpc-web; a policy a team
// wrote for its own browsers does not.
bool has_grpc_web_cors(const nlohmann::json& route) {
  for (const auto& h : route.value("/corsPolicy/allowHeaders"_json_pointer, nlohmann::json::array())) {
    if (h == "x-grpc-web") {
      return true;
    }
  }
  return false;
}

namespace {

// The http list of a VirtualService with the CORS policy where the preflight
// finds it; `findings` gets the content-type-only routes it fixes.
nlohmann::json with_grpc_web_cors(const nlohmann::json& vs, const nlohmann::json& cors, bool remove,
                                  std::vector<std::string>& findings) {
  const nlohmann::json http = vs.value("/spec/http"_json_pointer, nlohmann::json::array());
  nlohmann::json out = nlohmann::json::array();
  size_t index = 0;  // among the routes that are not our preflight routes: stable across runs
  for (size_t i = 0; i < http.size(); ++i) {
    const auto& route = http[i];
    if (manifest::is_preflight_route(route)) {
      continue;  // rebuilt in front of their route below (or dropped on --remove)
    }
    const size_t j = index++;
    if (remove) {
      // Another team's route keeps a CORS policy of its own; the gRPC-Web one
      // web put there goes, as on our routes.
      out.push_back(is_ours(vs) || has_grpc_web_cors(route) ? manifest::with_cors(route, nullptr) : route);
      continue;
    }
    if (manifest::content_type_only(route)) {
      findings.push_back(fmt::format("VirtualService {} http[{}] matches only requests with a content-type header, "
                                     "which the browser's preflight (OPTIONS) never carries, so the preflight never "
                                     "gets its CORS policy; a preflight route (method OPTIONS) in front of it fixes that",
                                     ref_of(vs), i));
      out.push_back(manifest::preflight_route(route, cors, j));
      out.push_back(manifest::with_cors(route, cors));
    } else if (manifest::preflight_can_match(route)) {
      out.push_back(manifest::with_cors(route, cors));
    } else {
      out.push_back(route);
    }
  }
  return out;
}

}  // namespace

std::optional<nlohmann::json> equivalent_grpc_web_filter(const std::vector<nlohmann::json>& filters,
                                                         const mesh::Labels& selector,
                                                         const std::string& workload_namespace,
                                                         const std::string& root_namespace) {
  for (const auto& f : filters) {
    const std::string ns = str_at(f, "/metadata/namespace");
    if ((ns != workload_namespace && ns != root_namespace) || !adds_grpc_web(f)) {
      continue;
    }
    bool selected = true;
    const nlohmann::json labels_json = f.value("/spec/workloadSelector/labels"_json_pointer, nlohmann::json::object());
    for (const auto& [k, v] : labels_json.items()) {
      const auto it = selector.find(k);
      selected = selected && it != selector.end() && v.is_string() && it->second == v.get<std::string>();
    }
    if (selected) {
      return f;
    }
  }
  return std::nullopt;
}

bool uses_grpc_web(const nlohmann::json& vs) {
  for (const auto& route : vs.value("/spec/http"_json_pointer, nlohmann::json::array())) {
    if (has_grpc_web_cors(route)) {
      return true;
    }
  }
  return false;
}

WebFacts web_facts_from_flags(const WebOptions& o) {
  if (o.gateway_namespace.empty()) {
    throw UsageError("--dry-run=client cannot look up the gateway pods' namespace; pass --gateway-namespace (e.g. "
                     "istio-system)");
  }
  WebFacts f;
  f.live = false;
  f.selector = o.selector;
  f.workload_namespace = o.gateway_namespace;
  return f;
}

mesh::ChangeSet plan_web(const WebOptions& o, const WebFacts& f) {
  mesh::ChangeSet cs;
  if (f.live && f.servers.empty()) {
    throw Error(fmt::format("no Gateway serves {}; create one first: kubectl grpcmesh init --host {}", o.host, o.host));
  }
  const nlohmann::json cors = o.remove ? nlohmann::json(nullptr) : manifest::cors_policy(o.cors);

  // 1. The grpc_web filter at the gateway.
  const std::string filter_name = manifest::grpc_web_filter_name(f.selector);
  const std::string filter_ref = f.workload_namespace + "/" + filter_name;
  const auto equivalent =
      equivalent_grpc_web_filter(f.envoy_filters, f.selector, f.workload_namespace, o.root_namespace);
  const auto ours = std::find_if(f.envoy_filters.begin(), f.envoy_filters.end(), [&](const nlohmann::json& e) {
    return ref_of(e) == filter_ref && is_ours(e);
  });
  const bool builtin = !f.servers.empty() && std::all_of(f.servers.begin(), f.servers.end(), [](const auto& s) {
    return s.protocol == "GRPC-WEB";
  });
  if (o.remove) {
    std::vector<std::string> still;
    for (const auto& vs : f.workload_virtual_services) {
      if (uses_grpc_web(vs)) {
        still.push_back(ref_of(vs));
      }
    }
    if (ours != f.envoy_filters.end() && still.empty()) {
      cs.changes.push_back({mesh::Change::Kind::Release, *ours});
      cs.notes.push_back(fmt::format("EnvoyFilter {} is removed: no other host on the gateway pods uses gRPC-Web",
                                     filter_ref));
    } else if (ours != f.envoy_filters.end()) {
      cs.notes.push_back(fmt::format("EnvoyFilter {} stays: {} still use gRPC-Web", filter_ref, fmt::join(still, ", ")));
    }
  } else if (builtin) {
    cs.notes.push_back(fmt::format("The servers for {} are GRPC-WEB, so Istio adds the grpc_web filter itself",
                                   o.host));
  } else if (equivalent && !(is_ours(*equivalent) && ref_of(*equivalent) == filter_ref)) {
    cs.notes.push_back(fmt::format("EnvoyFilter {} already adds grpc_web to the gateway pods; reusing it",
                                   ref_of(*equivalent)));
  } else {
    cs.changes.push_back({mesh::Change::Kind::Apply,
                          manifest::grpc_web_filter({filter_name, f.workload_namespace, f.selector})});
    cs.notes.push_back(fmt::format("EnvoyFilter {} adds envoy.filters.http.grpc_web to the gateway pods ({}), which "
                                   "Istio never does for HTTPS servers",
                                   filter_ref, mesh::format_selector(f.selector)));
  }

  // 2. CORS on every route the preflight matches.
  size_t routes = 0;
  for (const auto& vs : f.virtual_services) {
    std::vector<std::string> findings;
    const nlohmann::json http = with_grpc_web_cors(vs, cors, o.remove, findings);
    for (const auto& finding : findings) {
      cs.warnings.push_back(finding);
    }
    for (const auto& r : http) {
      routes += r.contains("corsPolicy") && !manifest::is_preflight_route(r) ? 1 : 0;
    }
    if (http == vs.value("/spec/http"_json_pointer, nlohmann::json::array())) {
      continue;
    }
    const std::string problem =
        findings.empty() ? fmt::format("VirtualService {} needs {} corsPolicy on its routes", ref_of(vs),
                                       o.remove ? "no" : "the gRPC-Web")
                         : findings.front();
    const std::string fix = o.remove ? "remove the routes named grpcmesh-preflight-* yourself"
                                     : "put a corsPolicy on a route without a content-type match yourself";
    cs.changes.push_back(replace_http(vs, http, o.field_manager, o.force, problem, fix));
  }
  if (o.remove) {
    cs.notes.push_back(fmt::format("{} no longer has the gRPC-Web CORS policy from kubectl-grpcmesh", o.host));
  } else if (f.live) {
    cs.notes.push_back(fmt::format("CORS for {} on {} route(s): origins {}; browsers may send {}", o.host, routes,
                                   origins_of(o.cors), fmt::join(cors["allowHeaders"], ", ")));
    if (f.virtual_services.empty()) {
      cs.warnings.push_back(fmt::format("{} has no routes yet, so no CORS policy is set; route it first: kubectl "
                                        "grpcmesh expose SERVICE -n NAMESPACE --host {}, then re-run web",
                                        o.host, o.host));
    }
  } else {
    std::string shown = yaml::dump(nlohmann::json{{"corsPolicy", cors}});
    shown.pop_back();
    cs.notes.push_back(fmt::format("--dry-run=client does not read the host's routes; each route the preflight "
                                   "matches gets:\n{}", shown));
  }
  return cs;
}

}  // namespace grpcmesh::stream
