#include "core/gatewayapi/stream.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "core/mesh/host_config.hpp"
#include "core/util/error.hpp"

namespace grpcmesh::gatewayapi {
namespace {

std::string str_at(const nlohmann::json& o, const char* pointer) {
  const nlohmann::json::json_pointer ptr(pointer);
  return o.contains(ptr) && o.at(ptr).is_string() ? o.at(ptr).get<std::string>() : std::string();
}

bool selected(const std::string& path, const std::vector<std::string>& prefixes) {
  for (const auto& p : prefixes) {
    if (path.rfind(p, 0) == 0 || p.rfind(path, 0) == 0) {
      return true;
    }
  }
  return false;
}

// The paths a rule's matches route, as Istio converts them ("" for a match
// that names no path: it takes every path).
std::vector<std::string> rule_paths(const std::string& kind, const nlohmann::json& rule) {
  std::vector<std::string> out;
  for (const auto& m : rule.value("matches", nlohmann::json::array())) {
    if (kind == "GRPCRoute") {
      const std::string service = str_at(m, "/method/service");
      const std::string method = str_at(m, "/method/method");
      out.push_back(service.empty() ? "" : method.empty() ? "/" + service + "/" : "/" + service + "/" + method);
    } else {
      out.push_back(str_at(m, "/path/value"));
    }
  }
  return out;
}

bool rule_selected(const std::string& kind, const nlohmann::json& rule, const std::vector<std::string>& prefixes) {
  if (prefixes.empty()) {
    return true;
  }
  const auto paths = rule_paths(kind, rule);
  // As for Istio's API: a rule without matches (or with one that names no
  // path) also takes the selected services' calls.
  return paths.empty() || std::any_of(paths.begin(), paths.end(), [&](const std::string& p) {
           return p.empty() || p == "/" || selected(p, prefixes);
         });
}

}  // namespace

StreamRoutes stream_routes(const std::vector<nlohmann::json>& routes, const std::string& host,
                           const std::vector<std::string>& prefixes) {
  StreamRoutes out;
  std::set<std::string> backends;
  for (const auto& r : routes) {
    const std::string kind = r.value("kind", "");
    if (kind != "GRPCRoute" && kind != "HTTPRoute") {
      continue;
    }
    const auto hostnames = r.value("/spec/hostnames"_json_pointer, nlohmann::json::array());
    if (std::find(hostnames.begin(), hostnames.end(), host) == hostnames.end()) {
      continue;
    }
    const std::string ns = str_at(r, "/metadata/namespace");
    const std::string ref = fmt::format("{} {}/{}", kind, ns, str_at(r, "/metadata/name"));
    bool any = false;
    const auto rules = r.value("/spec/rules"_json_pointer, nlohmann::json::array());
    for (size_t i = 0; i < rules.size(); ++i) {
      const auto& rule = rules[i];
      if (!rule_selected(kind, rule, prefixes)) {
        continue;
      }
      any = true;
      for (const auto& b : rule.value("backendRefs", nlohmann::json::array())) {
        const std::string k = b.value("kind", "Service");
        if (k != "Service" || !b.value("group", std::string()).empty()) {
          continue;
        }
        backends.insert(b.value("namespace", ns) + "/" + b.value("name", ""));
      }
      for (const char* field : {"request", "backendRequest"}) {
        const std::string value = str_at(rule, (std::string("/timeouts/") + field).c_str());
        if (!value.empty() && value != "0s") {
          out.cutting.push_back(fmt::format("{} rules[{}] timeouts.{} {}", ref, i, field, value));
        }
      }
    }
    if (any) {
      out.routes.push_back(ref);
    }
  }
  out.backends.assign(backends.begin(), backends.end());
  return out;
}

StreamFacts stream_facts_from_flags(const stream::StreamOptions& o) {
  if (o.backends.empty()) {
    throw UsageError("--dry-run=client cannot read the host's routes; pass the backends with --backend "
                     "NAMESPACE/SERVICE");
  }
  StreamFacts f;
  f.live = false;
  f.istio.live = false;
  return f;
}

void check_stream_options(const stream::StreamOptions& o) {
  if (o.route_timeout) {
    throw UsageError("--timeout is for Istio's VirtualService: a GRPCRoute has no timeouts field, and Istio gives its "
                     "routes none; pass --api istio, or drop it");
  }
  if (o.gateway_idle_timeout) {
    throw UsageError("--gateway-idle-timeout changes the Deployment of Istio's ingress gateway pods; the pods of a "
                     "Gateway API Gateway are deployed and kept by istiod; pass --api istio, or drop it");
  }
}

mesh::ChangeSet plan_stream(const stream::StreamOptions& o, const StreamFacts& f) {
  check_stream_options(o);
  const StreamRoutes routes = stream_routes(f.routes, o.host, o.prefixes);
  stream::StreamOptions options = o;
  if (options.backends.empty()) {
    options.backends = routes.backends;
  }
  stream::StreamFacts facts = f.istio;
  facts.live = f.live;
  facts.virtual_services.clear();
  if (f.live) {
    // plan_stream wants the host served; the Gateway API Gateway does.
    mesh::ServerRef server;
    const auto slash = f.gateway.find('/');
    server.gateway_namespace = f.gateway.substr(0, slash);
    server.gateway_name = f.gateway.substr(slash + 1);
    facts.servers = {server};
  }
  mesh::ChangeSet cs = stream::plan_stream(options, facts);
  for (const auto& c : routes.cutting) {
    cs.warnings.push_back(fmt::format("{} cuts every stream of the rule at that time; remove the timeouts from the rule "
                                      "(kubectl grpcmesh does not change HTTPRoutes)",
                                      c));
  }
  // The timeout chain: a GRPCRoute's routes have no timeout.
  const std::string source = routes.routes.empty()
                                 ? std::string("no route for the host yet")
                                 : fmt::format("{} (Gateway API: no timeout unless an HTTPRoute rule sets timeouts)",
                                               fmt::join(routes.routes, ", "));
  for (auto& note : cs.notes) {
    if (note.rfind("Timeouts a stream on ", 0) != 0) {
      continue;
    }
    const std::string placeholder = "no route for the host yet";
    const auto at = note.find(placeholder);
    if (at != std::string::npos) {
      note.replace(at, placeholder.size(), source);
    }
  }
  return cs;
}

}  // namespace grpcmesh::gatewayapi
