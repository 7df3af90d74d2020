// Gateway API listeners that take a host some route serves on another
// listener of the same Gateway, while no route attaches to them for it (a
// parentRef's sectionName or port pins the route to one listener, or the
// listener's allowedRoutes kinds leave the route out): calls for the host on
// that listener's port get 404 (NR). Istio's generator shows it ("no route"
// on that port, the route served on the other) in
// tests/oracle/check_agreement_gateway_api_test.cpp.
// On each port the listener that takes a host is the one naming it, else the
// longest wildcard covering it, else one without a hostname: Istio's
// generator routes the host by that listener's routes alone (a route on a
// wildcard listener of the same port does not serve a host another listener
// names: the "listeners of one port" mutations of the agreement test). Only
// a listener naming the host is judged: a wildcard or empty hostname does not
// say the host is wanted on that port.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <map>
#include <set>

#include "core/check/analyzers/analyzers.hpp"
#include "core/check/gatewayapi.hpp"

namespace grpcmesh::check::analyzers {
namespace {

std::string_view hostname_of(Node l) { return l["hostname"].is_string() ? l["hostname"].str() : std::string_view(); }

bool takes(std::string_view listener_hostname, std::string_view host) {
  return listener_hostname.empty() || listener_hostname == host ||
         (listener_hostname.starts_with("*.") && !host.starts_with("*.") &&
          gatewayapi::hostnames_intersect(listener_hostname, host));
}

// How specific a listener hostname is for a host it takes.
size_t rank(std::string_view listener_hostname, std::string_view host) {
  return listener_hostname == host ? std::string_view::npos : listener_hostname.size();
}

bool route_takes(const Resource& route, std::string_view host) {
  auto names = gatewayapi::hostnames(route);
  if (names.empty()) {
    return true;
  }
  for (const auto& n : names) {
    if (n == host || (n.starts_with("*.") && gatewayapi::hostnames_intersect(n, host))) {
      return true;
    }
  }
  return false;
}

// Whether `route` attaches to listener `l` of `gw` through one of its parentRefs.
bool attaches(const Resource& route, const Resource& gw, Node l) {
  for (const gatewayapi::ParentRef& ref : gatewayapi::parent_refs(route)) {
    if (!ref.is_gateway() || ref.namespace_name != gw.namespace_name || ref.name != gw.name) {
      continue;
    }
    for (Node candidate : gatewayapi::listeners_for(gw, ref)) {
      if (candidate["name"].str() == l["name"].str() &&
          gatewayapi::route_hostnames_intersect(l, gatewayapi::hostnames(route)) &&
          gatewayapi::namespace_allowed(l, gw, route.namespace_name) && gatewayapi::kind_allowed(l, kind_name(route.kind))) {
        return true;
      }
    }
  }
  return false;
}

class GatewayApiListenerRoutes final : public Analyzer {
 public:
  const AnalyzerMeta& meta() const override { return meta_; }

  void analyze(Context& ctx) const override {
    // The routes naming each Gateway in a parentRef, indexed once: only
    // those can attach to its listeners.
    std::map<std::pair<std::string_view, std::string_view>, std::vector<const Resource*>> by_gateway;
    for (Kind kind : {Kind::GRPCRoute, Kind::HTTPRoute}) {
      for (const Resource& r : ctx.list(kind)) {
        for (const gatewayapi::ParentRef& ref : gatewayapi::parent_refs(r)) {
          if (!ref.is_gateway()) {
            continue;
          }
          auto gw = ctx.find(Kind::KubeGateway, ref.namespace_name, ref.name);
          if (gw == nullptr) {
            continue;
          }
          auto& list = by_gateway[{gw->namespace_name, gw->name}];
          if (list.empty() || list.back() != &r) {
            list.push_back(&r);
          }
        }
      }
    }
    static const std::vector<const Resource*> kNone;
    for (const Resource& gw : ctx.list(Kind::KubeGateway)) {
      auto found = by_gateway.find({gw.namespace_name, gw.name});
      const std::vector<const Resource*>& routes = found == by_gateway.end() ? kNone : found->second;
      std::vector<Node> listeners;
      for (Node l : gw.spec()["listeners"]) {
        std::string_view protocol = l["protocol"].str();
        if (protocol == "HTTP" || protocol == "HTTPS") {
          listeners.push_back(l);
        }
      }
      // The hosts routes serve on some listener of this Gateway, by name.
      std::set<std::string> served;
      for (Node l : listeners) {
        for (const Resource* r : routes) {
          if (!attaches(*r, gw, l)) {
            continue;
          }
          for (const auto& h : gatewayapi::hostnames(*r)) {
            if (!h.starts_with("*.") && takes(hostname_of(l), h)) {
              served.insert(h);
            }
          }
          if (gatewayapi::hostnames(*r).empty() && !hostname_of(l).empty() && !hostname_of(l).starts_with("*.")) {
            served.insert(std::string(hostname_of(l)));
          }
        }
      }
      for (const std::string& host : served) {
        // Per port, the listener that takes the host: the one naming it,
        // else the longest wildcard covering it, else one without a hostname.
        std::map<int, Node> chosen;
        for (Node l : listeners) {
          if (!l["port"].is_number_integer() || !takes(hostname_of(l), host)) {
            continue;
          }
          const int port = l["port"].get<int>();
          auto it = chosen.find(port);
          if (it == chosen.end() || rank(hostname_of(l), host) > rank(hostname_of(it->second), host)) {
            chosen[port] = l;
          }
        }
        for (const auto& [port, l] : chosen) {
          if (hostname_of(l) != host) {
            continue;  // the host is not asked for by name on this port
          }
          bool routed = false;
          std::vector<std::string> elsewhere;
          for (const Resource* r : routes) {
            if (!route_takes(*r, host)) {
              continue;
            }
            if (attaches(*r, gw, l)) {
              routed = true;
              break;
            }
            elsewhere.push_back(
                fmt::format("{} {}/{} attaches to other listeners", kind_name(r->kind), r->namespace_name, r->name));
          }
          if (routed) {
            continue;
          }
          ctx.report(gw, msg::GatewayApiListenerWithoutRoute(fmt::format("{}/{}/{}", gw.namespace_name, gw.name, l["name"].str()),
                                                             port, host, fmt::format("{}", fmt::join(elsewhere, "; ")))
                             .for_host(host));
        }
      }
    }
  }

 private:
  AnalyzerMeta meta_{"gatewayapi_listener_routes",
                     "Gateway API listeners that take a host the Gateway's routes serve on other listeners only",
                     {},
                     {Kind::KubeGateway, Kind::GRPCRoute, Kind::HTTPRoute},
                     Hop::Route};
};

}  // namespace

std::unique_ptr<Analyzer> make_gatewayapi_listener_routes() { return std::make_unique<GatewayApiListenerRoutes>(); }

}  // namespace grpcmesh::check::analyzers
