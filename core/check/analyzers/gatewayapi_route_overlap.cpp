// A GRPCRoute and an HTTPRoute attached to the same listener for the same
// hostname whose matches take the same gRPC method paths: istiod merges the
// routes of one listener and hostname, of both kinds, into one route table
// (pilot/pkg/config/kube/gateway/controller.go, "HTTPAndGRPCMerged";
// route_collections.go mergeHTTPRoutes), so only one of them gets the calls.
//
// The table is built as istiod builds it (conversion.go):
// - a GRPCRoute method match {service S, method M} is the path /S/M
//   exactly, {service S} the prefix /S/, a method alone or a
//   RegularExpression match a regex; an HTTPRoute path match is Exact,
//   PathPrefix (a trailing / dropped) or RegularExpression; a rule without
//   matches is a catch-all (an HTTPRoute's: PathPrefix /, the API's default);
// - the routes are taken oldest first (creationTimestamp, then namespace,
//   then name: sortRoutesByCreationTime), then sorted stably (sortHTTPRoutes):
//   Exact before PathPrefix before RegularExpression, then the longer path,
//   then a method match, then more header matches, then more query matches;
// - a prefix is path-separated at the gateway (/S matches /S and /S/...), and
//   the first unconditional catch-all ends the table (route.go
//   BuildHTTPRoutesForVirtualService).
// The first match takes a call; a catch-all that loses paths to a narrower
// match is not reported (that is what it is for). Istio's own generator (the oracle,
// tests/oracle/gateway_api_clash_test.cpp) routes the calls as this says.
//
// One index over the attachments (listener, hostname); only the keys that
// hold both kinds are compared.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <map>
#include <set>
#include <tuple>
#include <unordered_map>

#include "core/check/analyzers/analyzers.hpp"
#include "core/check/gatewayapi.hpp"

namespace grpcmesh::check::analyzers {
namespace {

enum class Uri { None = -1, Regex = 1, Prefix = 2, Exact = 3 };

// One match of one rule, as an entry of istiod's merged route table.
struct Entry {
  const Resource* route = nullptr;
  size_t rule = 0;
  Uri uri = Uri::None;
  std::string path;   // exact path, prefix (path-separated, without a trailing /), or regex
  size_t length = 0;  // what istiod sorts by: the length of the match's own text
  bool method = false;
  size_t headers = 0;
  size_t queries = 0;
  bool post = true;   // no method match, or POST: gRPC calls (POST) meet it
  bool grpc() const { return route->kind == Kind::GRPCRoute; }
  // Matches every path, with no other condition: ends the table.
  bool catch_all() const {
    return (uri == Uri::None || (uri == Uri::Prefix && path == "/")) && !method && headers == 0 && queries == 0;
  }
  bool conditional() const { return headers != 0 || queries != 0 || !post; }
};

size_t count(Node n) { return n.is_array() || n.is_object() ? n.size() : 0; }

void grpc_entries(const Resource& route, std::vector<Entry>& out) {
  size_t i = 0;
  for (Node rule : route.spec()["rules"]) {
    Node matches = rule["matches"];
    if (!matches.is_array() || matches.empty()) {
      out.push_back({&route, i});
    }
    for (Node m : matches) {
      Entry e{&route, i};
      e.headers = count(m["headers"]);
      Node method = m["method"];
      if (method.is_object()) {
        const bool regex = method["type"].str() == "RegularExpression";
        const std::string service = method["service"].is_string() ? std::string(method["service"].str()) : "";
        const std::string name = method["method"].is_string() ? std::string(method["method"].str()) : "";
        if (!regex && !service.empty() && !name.empty()) {
          e.uri = Uri::Exact;
          e.path = "/" + service + "/" + name;
          e.length = e.path.size();
        } else if (!regex && !service.empty()) {
          e.uri = Uri::Prefix;
          e.path = "/" + service;
          e.length = service.size() + 2;  // istiod's prefix is /S/
        } else {
          e.uri = Uri::Regex;
          e.path = service.empty() ? "/[^/]+/" + name : "/" + service + "/" + (name.empty() ? ".+" : name);
          e.length = e.path.size();
        }
      }
      out.push_back(std::move(e));
    }
    ++i;
  }
}

void http_entries(const Resource& route, std::vector<Entry>& out) {
  size_t i = 0;
  for (Node rule : route.spec()["rules"]) {
    Node matches = rule["matches"];
    auto add = [&](Node m) {
      Entry e{&route, i};
      Node path = m["path"];
      const std::string_view type = path["type"].is_string() ? path["type"].str() : std::string_view("PathPrefix");
      std::string value = path["value"].is_string() ? std::string(path["value"].str()) : std::string("/");
      if (type == "Exact") {
        e.uri = Uri::Exact;
      } else if (type == "RegularExpression") {
        e.uri = Uri::Regex;
      } else {
        e.uri = Uri::Prefix;
        if (value.size() > 1 && value.back() == '/') {
          value.pop_back();
        }
      }
      e.length = value.size();
      e.path = std::move(value);
      e.headers = count(m["headers"]);
      e.queries = count(m["queryParams"]);
      if (m["method"].is_string()) {
        e.method = true;
        e.post = m["method"].str() == "POST";
      }
      out.push_back(std::move(e));
    };
    if (!matches.is_array() || matches.empty()) {
      add(Node());  // the API's default: PathPrefix /
    }
    for (Node m : matches) {
      add(m);
    }
    ++i;
  }
}

// The paths an entry takes, as a set: every path, an exact path, a
// path-separated prefix, or a regex (compared with nothing but every path).
struct Paths {
  enum { All, Exact, Prefix, Regex, Empty } kind = Empty;
  std::string path;
  std::string str() const {
    switch (kind) {
      case All:
        return "every path";
      case Exact:
        return path;
      case Prefix:
        return path + "/*";
      case Regex:
        return "the paths matching " + path;
      default:
        return "";
    }
  }
};

Paths paths_of(const Entry& e) {
  switch (e.uri) {
    case Uri::None:
      return {Paths::All, ""};
    case Uri::Exact:
      return {Paths::Exact, e.path};
    case Uri::Prefix:
      return e.path == "/" ? Paths{Paths::All, ""} : Paths{Paths::Prefix, e.path};
    default:
      return {Paths::Regex, e.path};
  }
}

// Whether the path-separated prefix p takes the path (or prefix) q.
bool under(std::string_view p, std::string_view q) {
  return q == p || (q.size() > p.size() && q.starts_with(p) && q[p.size()] == '/');
}

// The paths both take, or Empty when none (or when a regex would have to be
// compared with anything narrower than every path).
Paths overlap(const Paths& a, const Paths& b) {
  if (a.kind == Paths::Empty || b.kind == Paths::Empty) {
    return {};
  }
  if (a.kind == Paths::All) {
    return b;
  }
  if (b.kind == Paths::All) {
    return a;
  }
  if (a.kind == Paths::Regex || b.kind == Paths::Regex) {
    return {};
  }
  if (a.kind == Paths::Exact && b.kind == Paths::Exact) {
    return a.path == b.path ? a : Paths{};
  }
  if (a.kind == Paths::Exact) {
    return under(b.path, a.path) ? a : Paths{};
  }
  if (b.kind == Paths::Exact) {
    return under(a.path, b.path) ? b : Paths{};
  }
  if (under(a.path, b.path)) {
    return b;
  }
  return under(b.path, a.path) ? a : Paths{};
}

// Whether `e` takes every path of `p` (for any call, when unconditional).
bool covers(const Entry& e, const Paths& p) {
  const Paths mine = paths_of(e);
  if (mine.kind == Paths::All) {
    return true;
  }
  if (mine.kind == Paths::Regex || p.kind == Paths::All || p.kind == Paths::Regex) {
    return false;
  }
  return mine.kind == Paths::Exact ? p.kind == Paths::Exact && p.path == mine.path : under(mine.path, p.path);
}

std::string created(const Resource& r) { return string_field(r.root()["metadata"], "creationTimestamp"); }

// istiod's order of the routes: creation time, namespace, then the name of
// the VirtualService made of the route (<name>~<n>~...).
bool older(const Resource* a, const Resource* b) {
  return std::tuple(created(*a), a->namespace_name, a->name + "~") <
         std::tuple(created(*b), b->namespace_name, b->name + "~");
}

// sortHTTPRoutes: whether a sorts strictly before b.
bool sorts_before(const Entry& a, const Entry& b) {
  if (a.uri == Uri::None || b.uri == Uri::None) {
    return a.uri != Uri::None && b.uri == Uri::None;
  }
  if (a.uri != b.uri) {
    return a.uri > b.uri;
  }
  if (a.length != b.length) {
    return a.length > b.length;
  }
  if (a.method != b.method) {
    return a.method;
  }
  if (a.headers != b.headers) {
    return a.headers > b.headers;
  }
  return a.queries > b.queries;
}

// Why `w` comes before `l` in the table.
std::string why_first(const Entry& w, const Entry& l, bool cut) {
  auto kind = [](Uri u) {
    switch (u) {
      case Uri::Exact:
        return "an exact path";
      case Uri::Prefix:
        return "a path prefix";
      case Uri::Regex:
        return "a regular expression";
      default:
        return "no path match";
    }
  };
  if (cut) {
    return fmt::format("the catch-all rule {} of {} {}/{} ends the table: istiod drops the rules sorted after it",
                       w.rule, kind_name(w.route->kind), w.route->namespace_name, w.route->name);
  }
  if (w.uri != l.uri) {
    return fmt::format("{} sorts before {}", kind(w.uri), kind(l.uri));
  }
  if (w.length != l.length) {
    return fmt::format("the longer match ({}) sorts first", w.uri == Uri::Prefix && w.grpc() ? w.path + "/" : w.path);
  }
  if (w.method != l.method || w.headers != l.headers || w.queries != l.queries) {
    return "the match with more conditions sorts first";
  }
  return fmt::format("the matches sort alike, so the older route keeps its place first ({} {}/{}: creationTimestamp, "
                     "then namespace, then name)",
                     kind_name(w.route->kind), w.route->namespace_name, w.route->name);
}

std::string route_name(const Resource& r) { return fmt::format("{} {}/{}", kind_name(r.kind), r.namespace_name, r.name); }

class GatewayApiRouteOverlap final : public Analyzer {
 public:
  const AnalyzerMeta& meta() const override { return meta_; }

  void analyze(Context& ctx) const override {
    // (gateway, listener, hostname) -> routes attached there, both kinds
    struct Key {
      const Resource* gateway;
      std::string listener;
      std::string host;
      auto operator<=>(const Key&) const = default;
    };
    std::map<Key, std::vector<const Resource*>> tables;
    std::set<Key> grpc_keys;
    for (Kind kind : {Kind::GRPCRoute, Kind::HTTPRoute}) {
      for (const Resource& route : ctx.list(kind)) {
        const auto names = gatewayapi::hostnames(route);
        for (const gatewayapi::ParentRef& ref : gatewayapi::parent_refs(route)) {
          const Resource* gw = gatewayapi::parent_gateway(ctx, ref);
          if (gw == nullptr || gatewayapi::attach(*gw, route, ref).result != gatewayapi::Attachment::Attached) {
            continue;
          }
          for (Node l : gatewayapi::listeners_for(*gw, ref)) {
            if (!gatewayapi::route_hostnames_intersect(l, names) ||
                !gatewayapi::namespace_allowed(l, *gw, route.namespace_name) ||
                !gatewayapi::kind_allowed(l, kind_name(kind))) {
              continue;
            }
            const std::vector<std::string> hosts = names.empty() ? std::vector<std::string>{"*"} : names;
            for (const std::string& h : hosts) {
              Key key{gw, std::string(l["name"].str()), h};
              if (kind == Kind::GRPCRoute) {
                grpc_keys.insert(key);
              } else if (!grpc_keys.contains(key)) {
                continue;  // no GRPCRoute there: nothing to compare
              }
              auto& routes = tables[key];
              if (std::find(routes.begin(), routes.end(), &route) == routes.end()) {
                routes.push_back(&route);
              }
            }
          }
        }
      }
    }
    // (loser, winner, gateway, host) -> what is reported
    struct Finding {
      std::set<std::string> listeners;
      std::vector<std::string> paths;
      size_t winner_rule = 0;
      size_t loser_rule = 0;
      std::string why;
    };
    std::map<std::tuple<const Resource*, const Resource*, const Resource*, std::string>, Finding> findings;
    for (auto& [key, routes] : tables) {
      const bool both = std::any_of(routes.begin(), routes.end(), [](const Resource* r) { return r->kind == Kind::HTTPRoute; }) &&
                        std::any_of(routes.begin(), routes.end(), [](const Resource* r) { return r->kind == Kind::GRPCRoute; });
      if (!both) {
        continue;
      }
      compare(key.gateway, key.listener, key.host, routes, findings);
    }
    for (auto& [k, f] : findings) {
      const auto& [loser, winner, gw, host] = k;
      ctx.report(*loser,
                 msg::GatewayApiRouteShadowed(
                     fmt::format("listener {} of Gateway {}/{}", fmt::join(f.listeners, ", "), gw->namespace_name, gw->name),
                     host, fmt::format("{}", fmt::join(f.paths, ", ")),
                     fmt::format("{} rule {}", route_name(*winner), f.winner_rule),
                     fmt::format("{} rule {}", route_name(*loser), f.loser_rule), f.why)
                     .for_host(host == "*" ? std::string() : host));
    }
  }

 private:
  template <typename Findings>
  static void compare(const Resource* gw, const std::string& listener, const std::string& host,
                      std::vector<const Resource*>& routes, Findings& findings) {
    std::sort(routes.begin(), routes.end(), older);
    std::vector<Entry> table;
    for (const Resource* r : routes) {
      if (r->kind == Kind::GRPCRoute) {
        grpc_entries(*r, table);
      } else {
        http_entries(*r, table);
      }
    }
    std::stable_sort(table.begin(), table.end(), sorts_before);
    // the first unconditional catch-all ends the table
    size_t end = table.size();
    for (size_t i = 0; i < table.size(); ++i) {
      if (table[i].catch_all()) {
        end = i + 1;
        break;
      }
    }
    for (size_t i = 0; i < table.size(); ++i) {
      for (size_t j = i + 1; j < table.size(); ++j) {
        const Entry& w = table[i];
        const Entry& l = table[j];
        if (w.grpc() == l.grpc() || w.conditional()) {
          continue;
        }
        const Paths both = overlap(paths_of(w), paths_of(l));
        if (both.kind == Paths::Empty) {
          continue;
        }
        // A catch-all losing paths to a narrower match is what a catch-all
        // is for (an HTTPRoute PathPrefix / next to GRPCRoutes of some
        // services): not reported.
        if (paths_of(l).kind == Paths::All && paths_of(w).kind != Paths::All) {
          continue;
        }
        // Taken by an earlier rule than the winner: neither gets them.
        if (std::any_of(table.begin(), table.begin() + static_cast<std::ptrdiff_t>(i),
                        [&](const Entry& e) { return !e.conditional() && covers(e, both); })) {
          continue;
        }
        const bool cut = j >= end && w.catch_all();
        auto& f = findings[{l.route, w.route, gw, host}];
        if (f.paths.empty()) {
          f.winner_rule = w.rule;
          f.loser_rule = l.rule;
          f.why = why_first(w, l, cut);
        }
        f.listeners.insert(listener);
        const std::string p = both.str();
        if (std::find(f.paths.begin(), f.paths.end(), p) == f.paths.end()) {
          f.paths.push_back(p);
        }
      }
    }
  }

  AnalyzerMeta meta_{"gatewayapi_route_overlap",
                     "a GRPCRoute and an HTTPRoute of one listener and host whose matches take the same gRPC paths",
                     {},
                     // without one of them there is nothing to compare
                     {Kind::GRPCRoute, Kind::HTTPRoute, Kind::KubeGateway},
                     Hop::Route};
};

}  // namespace

std::unique_ptr<Analyzer> make_gatewayapi_route_overlap() { return std::make_unique<GatewayApiRouteOverlap>(); }

}  // namespace grpcmesh::check::analyzers
