#include "core/stream/timeout_chain.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "core/manifest/http_routes.hpp"
#include "core/manifest/retry_policy.hpp"

namespace grpcmesh::stream {
namespace {

std::string ref_of(const nlohmann::json& o) {
  return o.value("/metadata/namespace"_json_pointer, std::string()) + "/" +
         o.value("/metadata/name"_json_pointer, std::string());
}

std::string str_at(const nlohmann::json& o, const char* pointer) {
  const nlohmann::json::json_pointer ptr(pointer);
  return o.contains(ptr) && o.at(ptr).is_string() ? o.at(ptr).get<std::string>() : std::string();
}

ChainLink gateway_link(const std::string& stage, const GatewayTimeout& t) {
  return ChainLink{stage, t.value ? format_duration(*t.value) : "disabled", t.source, t.value.has_value()};
}

// The retries of a route and, when they are on, the time each try may take.
// A perTryTimeout starts, like the route timeout, when the downstream request
// is complete (go-control-plane envoy/config/route/v3/route_components.pb.go:
// RouteAction.timeout "spans between the point at which the entire downstream
// request (i.e. end-of-stream) has been processed" and RetryPolicy.per_try_timeout
// has "the same conditions"), so it cuts server streams.
void retry_links(std::vector<ChainLink>& chain, const nlohmann::json& route, const std::string& source,
                 const nlohmann::json& mesh_retry_default) {
  const nlohmann::json retries = route.value("retries", nlohmann::json());
  const manifest::RetryPolicy p = manifest::effective_retry_policy(retries, mesh_retry_default);
  std::string where;
  switch (p.source) {
    case manifest::RetryPolicy::Source::Route:
      where = source + ".retries";
      break;
    case manifest::RetryPolicy::Source::MeshDefault:
      where = source + " (no retries: meshConfig.defaultHttpRetryPolicy)";
      break;
    case manifest::RetryPolicy::Source::IstioDefault:
      where = source + " (no retries: Istio default)";
      break;
  }
  if (!p.enabled) {
    chain.push_back({"gateway retries", "off", where + ": attempts 0", false});
    return;
  }
  chain.push_back({"gateway retries", fmt::format("{} {}", p.num_retries, p.num_retries == 1 ? "retry" : "retries"),
                   fmt::format("{}: on {}", where, p.retry_on.empty() ? "no condition" : p.retry_on), false});
  if (p.per_try_timeout.empty()) {
    chain.push_back({"gateway per-try timeout", "none", where + ": no perTryTimeout (each try may last as long as the "
                                                                "route allows)", false});
  } else {
    chain.push_back({"gateway per-try timeout", p.per_try_timeout,
                     (p.source == manifest::RetryPolicy::Source::Route ? source + ".retries"
                                                                       : std::string("meshConfig.defaultHttpRetryPolicy")) +
                         ".perTryTimeout (starts when the request is complete)",
                     true});
  }
}

}  // namespace

std::vector<ChainLink> timeout_chain(const std::vector<nlohmann::json>& virtual_services,
                                     const std::vector<std::string>& prefixes, const GatewayTimeouts& gateway,
                                     const std::vector<std::string>& backends,
                                     const std::vector<nlohmann::json>& destination_rules,
                                     const nlohmann::json& mesh_retry_default) {
  std::vector<ChainLink> chain;
  chain.push_back({"client deadline", "caller's choice",
                   "the client (grpc-timeout header); honoured uncapped while the route has no timeout", false});
  bool any_route = false;
  for (const auto& vs : virtual_services) {
    const auto http = vs.value("/spec/http"_json_pointer, nlohmann::json::array());
    for (size_t i = 0; i < http.size(); ++i) {
      if (!manifest::route_selected(http[i], prefixes) || manifest::is_preflight_route(http[i])) {
        continue;
      }
      any_route = true;
      const std::string source = fmt::format("VirtualService {} http[{}]", ref_of(vs), i);
      if (http[i].contains("timeout")) {
        chain.push_back({"gateway route timeout", http[i]["timeout"].get<std::string>(), source + ".timeout", true});
      } else {
        chain.push_back({"gateway route timeout", "none", source + " (no timeout: disabled)", false});
      }
      retry_links(chain, http[i], source, mesh_retry_default);
    }
  }
  if (!any_route) {
    chain.push_back({"gateway route timeout", "none", "no route for the host yet", false});
  }
  chain.push_back(gateway_link("gateway request timeout", gateway.request));
  chain.push_back(gateway_link("gateway stream idle", gateway.stream_idle));
  for (const auto& backend : backends) {
    const auto dr = std::find_if(destination_rules.begin(), destination_rules.end(), [&](const nlohmann::json& d) {
      return str_at(d, "/spec/host") == backend;
    });
    if (dr == destination_rules.end()) {
      chain.push_back({"upstream idle", "1h", backend + ": Istio default (no DestinationRule)", false});
      chain.push_back({"TCP keepalive", "OS default", backend + ": Istio default (no DestinationRule)", false});
      continue;
    }
    const std::string source = "DestinationRule " + ref_of(*dr) + " trafficPolicy.connectionPool";
    const std::string idle = str_at(*dr, "/spec/trafficPolicy/connectionPool/http/idleTimeout");
    chain.push_back({"upstream idle", idle.empty() ? "1h" : idle,
                     idle.empty() ? backend + ": Istio default (" + source + " sets none)" : source + ".http.idleTimeout",
                     false});
    const nlohmann::json::json_pointer ka("/spec/trafficPolicy/connectionPool/tcp/tcpKeepalive");
    if (dr->contains(ka)) {
      const auto& k = dr->at(ka);
      chain.push_back({"TCP keepalive",
                       fmt::format("time {} interval {} probes {}", k.value("time", "OS"), k.value("interval", "OS"),
                                   k.contains("probes") ? k["probes"].dump() : "OS"),
                       source + ".tcp.tcpKeepalive", false});
    } else {
      chain.push_back({"TCP keepalive", "OS default", backend + ": " + source + " sets none", false});
    }
    const std::string max = str_at(*dr, "/spec/trafficPolicy/connectionPool/tcp/maxConnectionDuration");
    if (!max.empty()) {
      chain.push_back({"upstream max connection duration", max, source + ".tcp.maxConnectionDuration", true});
    }
  }
  return chain;
}

std::string format_chain(const std::vector<ChainLink>& chain) {
  size_t w1 = 5;
  size_t w2 = 5;
  for (const auto& l : chain) {
    w1 = std::max(w1, l.stage.size() + 2);
    w2 = std::max(w2, l.value.size());
  }
  std::string out = fmt::format("{:<{}}   {:<{}}   {}\n", "STAGE", w1, "VALUE", w2, "SOURCE");
  for (const auto& l : chain) {
    out += fmt::format("{:<{}}   {:<{}}   {}\n", (l.cuts ? "! " : "  ") + l.stage, w1, l.value, w2, l.source);
  }
  return out;
}

}  // namespace grpcmesh::stream
