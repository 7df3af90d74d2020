// The status a Gateway API controller wrote: the conditions Accepted,
// ResolvedRefs and Programmed of a Gateway (status.conditions), of each of
// its listeners (status.listeners[].conditions) and of each parent of a
// GRPCRoute or HTTPRoute (status.parents[].conditions, with the controller
// that wrote them, status.parents[].controllerName).
//
// - A False condition is the controller's verdict: GM0070 on a route's
//   parentRef, GM0071 on a Gateway or listener, with the controller's reason
//   and message. When the other gatewayapi_* analyzers predict every False
//   condition of that parentRef or listener (the same reason, from the
//   objects), the verdict is GM0074, an info naming their codes, so one
//   problem is one error.
// - A Gateway whose only False condition is Programmed with AddressNotAssigned,
//   Pending or NoResources is waiting for its pods and address (GM0072, a
//   warning): what the real istiod writes while the gateway's Deployment has
//   no ready pod (tests/e2e/istiod/gateway_api_status_test.cpp).
// - A condition whose observedGeneration is older than metadata.generation was
//   written for an older spec, and an Unknown one (the CRD's default,
//   "Pending: Waiting for controller") for none: GM0073, an info, never the
//   verdict on the current spec.
// Status read from files is said to be the file's.
#include <fmt/format.h>

#include <cstdint>
#include <optional>
#include <set>

#include "core/check/analyzers/analyzers.hpp"
#include "core/check/gatewayapi.hpp"
#include "core/check/mesh.hpp"

namespace grpcmesh::check::analyzers {
namespace {

constexpr std::string_view kTypes[] = {"Accepted", "ResolvedRefs", "Programmed"};

std::optional<std::int64_t> integer(Node n) {
  if (!n.is_number_integer()) {
    return std::nullopt;
  }
  return n.get<std::int64_t>();
}

std::string text(Node n) { return n.is_string() ? std::string(n.str()) : std::string(); }

// One condition of the three types, as the controller wrote it.
struct Condition {
  std::string type, status, reason, message;
  std::optional<std::int64_t> observed;
  std::string str() const {
    std::string out = fmt::format("{} {}", type, status.empty() ? "(no status)" : status);
    if (!reason.empty() || !message.empty()) {
      out += fmt::format(" ({}: {:?})", reason.empty() ? "no reason" : reason, message);
    }
    return out;
  }
};

std::vector<Condition> conditions_of(Node list) {
  std::vector<Condition> out;
  for (Node c : list) {
    std::string type = text(c["type"]);
    bool wanted = false;
    for (std::string_view t : kTypes) {
      wanted = wanted || type == t;
    }
    if (wanted) {
      out.push_back({type, text(c["status"]), text(c["reason"]), text(c["message"]), integer(c["observedGeneration"])});
    }
  }
  return out;
}

std::string joined(const std::vector<Condition>& cs) {
  std::string out;
  for (const Condition& c : cs) {
    out += (out.empty() ? "" : "; ") + c.str();
  }
  return out;
}

// What an entry of the status says: nothing to report, its False conditions
// (the verdict), or why it is not a verdict on the current spec.
struct Verdict {
  std::vector<Condition> failed;     // status False
  std::string not_current;           // why not current, when it is not
  std::vector<Condition> not_current_conditions;
};

Verdict judge(const std::vector<Condition>& cs, std::optional<std::int64_t> generation) {
  Verdict v;
  for (const Condition& c : cs) {
    if (generation && c.observed && *c.observed < *generation) {
      v.not_current = fmt::format("it was written for generation {} and the object is at generation {}", *c.observed,
                                  *generation);
    }
  }
  if (!v.not_current.empty()) {
    v.not_current_conditions = cs;
    return v;
  }
  for (const Condition& c : cs) {
    if (c.status == "False") {
      v.failed.push_back(c);
    } else if (c.status != "True") {
      v.not_current_conditions.push_back(c);
    }
  }
  if (!v.not_current_conditions.empty()) {
    v.not_current = "no controller has judged it yet";
  }
  return v;
}

// The parentRef of a status entry, with the defaults a spec's has.
gatewayapi::ParentRef status_parent(Node ref, const Resource& route) {
  gatewayapi::ParentRef p;
  p.group = ref["group"].is_string() ? std::string(ref["group"].str()) : std::string(kGatewayApiGroup);
  p.kind = ref["kind"].is_string() ? std::string(ref["kind"].str()) : "Gateway";
  p.namespace_name = ref["namespace"].is_string() ? std::string(ref["namespace"].str()) : route.namespace_name;
  p.name = text(ref["name"]);
  p.section = text(ref["sectionName"]);
  if (auto port = integer(ref["port"])) {
    p.port = static_cast<int>(*port);
  }
  return p;
}

bool same_parent(const gatewayapi::ParentRef& a, const gatewayapi::ParentRef& b) {
  return a.group == b.group && a.kind == b.kind && a.namespace_name == b.namespace_name && a.name == b.name &&
         a.section == b.section && a.port == b.port;
}

class GatewayApiStatus final : public Analyzer {
 public:
  const AnalyzerMeta& meta() const override { return meta_; }

  void analyze(Context& ctx) const override {
    for (const Resource& gw : ctx.list(Kind::KubeGateway)) {
      gateway(ctx, gw);
    }
    for (Kind kind : {Kind::GRPCRoute, Kind::HTTPRoute}) {
      for (const Resource& route : ctx.list(kind)) {
        route_status(ctx, route);
      }
    }
  }

 private:
  static bool from_file(const Resource& r) { return r.origin.file != nullptr; }

  static std::optional<std::int64_t> generation(const Resource& r) { return integer(r.root()["metadata"]["generation"]); }

  // "controller X", or "the file's status (controller X)".
  static std::string source(const Resource& r, const std::string& controller) {
    return from_file(r) ? fmt::format("the file's status (controller {})", controller)
                        : fmt::format("controller {}", controller);
  }

  static std::string get_args(const Resource& r) {
    const std::string_view resource = r.kind == Kind::KubeGateway ? "gateway.gateway.networking.k8s.io"
                                      : r.kind == Kind::GRPCRoute  ? "grpcroute"
                                                                   : "httproute";
    return fmt::format("{} {} -n {}", resource, r.name, r.namespace_name);
  }

  void gateway(Context& ctx, const Resource& gw) const {
    const std::string class_name = text(gw.spec()["gatewayClassName"]);
    std::string controller = fmt::format("of GatewayClass {}", class_name);
    if (const Resource* gc = ctx.find(Kind::GatewayClass, "", class_name)) {
      if (gc->spec()["controllerName"].is_string()) {
        controller = std::string(gc->spec()["controllerName"].str());
      }
    }
    const std::string src = source(gw, controller);
    const std::optional<std::int64_t> gen = generation(gw);
    const std::string shown = fmt::format("Gateway {}/{}", gw.namespace_name, gw.name);
    Node status = gw.root()["status"];

    // The Gateway itself.
    Verdict v = judge(conditions_of(status["conditions"]), gen);
    if (!v.not_current.empty()) {
      ctx.report(gw, msg::GatewayApiStatusNotCurrent(joined(v.not_current_conditions), shown, v.not_current));
    } else if (!v.failed.empty()) {
      bool waiting = true;
      for (const Condition& c : v.failed) {
        waiting = waiting && c.type == "Programmed" &&
                  (c.reason == "AddressNotAssigned" || c.reason == "Pending" || c.reason == "NoResources");
      }
      if (waiting) {
        ctx.report(gw, msg::GatewayApiGatewayNotProgrammed(src, shown, joined(v.failed), gw.namespace_name));
      } else {
        ctx.report(gw, msg::GatewayApiGatewayStatusFalse(src, shown, joined(v.failed), get_args(gw)));
      }
    }

    // Each listener, matched to the spec's by name.
    for (Node ls : status["listeners"]) {
      const std::string name = text(ls["name"]);
      Node spec_listener;
      for (Node l : gw.spec()["listeners"]) {
        if (l["name"] == name) {
          spec_listener = l;
        }
      }
      const std::string what = fmt::format("listener {} of Gateway {}/{}", name, gw.namespace_name, gw.name);
      const std::string host = text(spec_listener["hostname"]);
      Verdict lv = judge(conditions_of(ls["conditions"]), gen);
      if (!lv.not_current.empty()) {
        ctx.report(gw, msg::GatewayApiStatusNotCurrent(joined(lv.not_current_conditions), what, lv.not_current)
                           .for_host(host));
        continue;
      }
      if (lv.failed.empty()) {
        continue;
      }
      std::string codes = listener_predicted(ctx, gw, spec_listener, lv.failed);
      if (!codes.empty()) {
        ctx.report(gw, msg::GatewayApiStatusConfirmed(src, what, joined(lv.failed), codes).for_host(host));
      } else {
        ctx.report(gw, msg::GatewayApiGatewayStatusFalse(src, what, joined(lv.failed), get_args(gw)).for_host(host));
      }
    }
  }

  // The codes of the analyzers that predict every False condition of the
  // listener, or "" when one of them is theirs alone. A certificateRef to
  // another namespace without a ReferenceGrant (GM0062) makes istiod write
  // ResolvedRefs False RefNotPermitted, with Accepted and Programmed False
  // after it. (A missing Secret, GM0067, is judged from Secrets, which
  // this analyzer does not read so that it runs where Secrets may not be
  // read: the controller's verdict on it stays GM0071.)
  static std::string listener_predicted(const Context& ctx, const Resource& gw, Node listener,
                                        const std::vector<Condition>& failed) {
    bool refused = false;
    for (const Condition& c : failed) {
      refused = refused || (c.type == "ResolvedRefs" && c.reason == "RefNotPermitted");
    }
    if (!refused) {
      return "";
    }
    for (Node ref : listener["tls"]["certificateRefs"]) {
      std::string_view group = ref["group"].is_string() ? ref["group"].str() : std::string_view();
      std::string_view kind = ref["kind"].is_string() ? ref["kind"].str() : std::string_view("Secret");
      std::string_view ns = ref["namespace"].is_string() ? ref["namespace"].str() : std::string_view(gw.namespace_name);
      if (group.empty() && kind == "Secret" && ns != gw.namespace_name &&
          !gatewayapi::reference_granted(ctx, "Gateway", gw.namespace_name, "", "Secret", ns, ref["name"].str())) {
        return "GM0062";
      }
    }
    return "";
  }

  void route_status(Context& ctx, const Resource& route) const {
    const std::optional<std::int64_t> gen = generation(route);
    const std::string host = gatewayapi::route_host(route);
    const std::vector<gatewayapi::ParentRef> spec_refs = gatewayapi::parent_refs(route);
    for (Node p : route.root()["status"]["parents"]) {
      const std::string controller = p["controllerName"].is_string() ? std::string(p["controllerName"].str())
                                                                      : std::string("(no controllerName)");
      const std::string src = source(route, controller);
      const gatewayapi::ParentRef ref = status_parent(p["parentRef"], route);
      Verdict v = judge(conditions_of(p["conditions"]), gen);
      if (!v.not_current.empty()) {
        ctx.report(route, msg::GatewayApiStatusNotCurrent(
                              joined(v.not_current_conditions),
                              fmt::format("{} {}/{} for parentRef {}", kind_name(route.kind), route.namespace_name,
                                          route.name, ref.str()),
                              v.not_current)
                              .for_host(host));
        continue;
      }
      if (v.failed.empty()) {
        continue;
      }
      std::string codes;
      for (const gatewayapi::ParentRef& spec_ref : spec_refs) {
        if (same_parent(spec_ref, ref)) {
          codes = route_predicted(ctx, route, spec_ref, v.failed);
        }
      }
      if (!codes.empty()) {
        ctx.report(route, msg::GatewayApiStatusConfirmed(src, "parentRef " + ref.str(), joined(v.failed), codes)
                              .for_host(host));
      } else {
        ctx.report(route, msg::GatewayApiRouteStatusFalse(src, ref.str(), joined(v.failed), get_args(route))
                              .for_host(host));
      }
    }
  }

  // The codes of the analyzers predicting each False condition of the
  // parentRef, or "" when one of them is predicted by none:
  // Accepted: how the route attaches to the Gateway (GM0064 to GM0066, the
  // same reasons as istiod's); ResolvedRefs: a Service of another namespace
  // without a ReferenceGrant (RefNotPermitted, GM0063), a Service or port
  // that does not exist (BackendNotFound, GM0068, when Services were read).
  static std::string route_predicted(const Context& ctx, const Resource& route, const gatewayapi::ParentRef& ref,
                                     const std::vector<Condition>& failed) {
    std::set<std::string> codes;
    for (const Condition& c : failed) {
      std::string code;
      if (c.type == "Accepted") {
        const Resource* gw = gatewayapi::parent_gateway(ctx, ref);
        if (gw != nullptr) {
          const gatewayapi::Attachment a = gatewayapi::attach(*gw, route, ref).result;
          if (a == gatewayapi::Attachment::NotAllowedByListeners && c.reason == "NotAllowedByListeners") {
            code = "GM0064";
          } else if (a == gatewayapi::Attachment::NoMatchingListenerHostname &&
                     c.reason == "NoMatchingListenerHostname") {
            code = "GM0065";
          } else if (a == gatewayapi::Attachment::NoMatchingParent && c.reason == "NoMatchingParent") {
            code = "GM0066";
          }
        }
      } else if (c.type == "ResolvedRefs") {
        code = backend_predicted(ctx, route, c.reason);
      }
      if (code.empty()) {
        return "";
      }
      codes.insert(code);
    }
    return fmt::format("{}", fmt::join(codes, " and "));
  }

  static std::string backend_predicted(const Context& ctx, const Resource& route, std::string_view reason) {
    const std::string_view kind_text = kind_name(route.kind);
    for (const gatewayapi::BackendRef& b : gatewayapi::backend_refs(route)) {
      if (!b.is_service()) {
        continue;
      }
      const bool granted = b.namespace_name == route.namespace_name ||
                           gatewayapi::reference_granted(ctx, kind_text, route.namespace_name, "", "Service",
                                                         b.namespace_name, b.name);
      if (!granted) {
        if (reason == "RefNotPermitted") {
          return "GM0063";
        }
        continue;
      }
      if (reason != "BackendNotFound" || !b.port || !ctx.readable(Kind::Service)) {
        continue;
      }
      const Resource* svc = ctx.find(Kind::Service, b.namespace_name, b.name);
      if (svc == nullptr || mesh::destination_port(*svc, *b.port).is_null()) {
        return "GM0068";
      }
    }
    return "";
  }

  AnalyzerMeta meta_{"gatewayapi_status",
                     "the status conditions a Gateway API controller wrote on Gateways, listeners and routes",
                     {},
                     {Kind::KubeGateway, Kind::GRPCRoute, Kind::HTTPRoute, Kind::GatewayClass, Kind::ReferenceGrant,
                      Kind::Service},
                     Hop::Route};
};

}  // namespace

std::unique_ptr<Analyzer> make_gatewayapi_status() { return std::make_unique<GatewayApiStatus>(); }

}  // namespace grpcmesh::check::analyzers
