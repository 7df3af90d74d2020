// check reports the status the real istiod writes on broken Gateway API
// objects (GM0070 to GM0074): a GRPCRoute to a missing Service
// (ResolvedRefs False), a parentRef whose sectionName names no listener and
// a route from a namespace the listener does not allow (Accepted False), a
// listener whose certificateRefs Secret is missing (ResolvedRefs and
// Programmed False), the Gateway istiod cannot give an address (no pod runs
// here) and a Gateway of a class no controller serves (the CRD's Unknown
// "Pending"); and the verdicts check's own analyzers predict: a backendRef
// and a certificateRef to another namespace without a ReferenceGrant
// (RefNotPermitted), a route hostname no listener takes
// (NoMatchingListenerHostname). Every reason and message asserted is read
// from the objects istiod wrote, then looked for in check's findings.
#include <doctest/doctest.h>

#include <chrono>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "harness.hpp"
#include "istiod/istiod_support.hpp"
#include "mesh_support.hpp"

using namespace mesh_e2e;
using istiod_e2e::eventually;
using namespace std::chrono_literals;

namespace {

void apply(const std::string& yaml) {
    auto r = e2e::apply_yaml(yaml);
    REQUIRE_MESSAGE(r.ok(), r.describe());
}

// The conditions Accepted, ResolvedRefs and Programmed of a list that are
// False, as check writes them: `Type False (Reason: "message")`, joined by "; ".
std::string false_conditions(const json& conditions) {
    std::string out;
    for (const auto& c : conditions) {
        const std::string type = c.value("type", "");
        if ((type != "Accepted" && type != "ResolvedRefs" && type != "Programmed") || c.value("status", "") != "False") {
            continue;
        }
        out += (out.empty() ? "" : "; ") + type + " False (" + c.value("reason", "") + ": " +
               json(c.value("message", "")).dump() + ")";
    }
    return out;
}

// The object as `kubectl get -o json` shows it, with its metadata.generation
// (mesh_e2e::snapshot drops it); nothing when it does not exist.
std::optional<json> object(const std::string& kind, const std::string& ns, const std::string& name) {
    auto r = e2e::kubectl({"get", kind, name, "-n", ns, "-o", "json", "--ignore-not-found"});
    REQUIRE_MESSAGE(r.ok(), r.describe());
    if (r.out.empty()) {
        return std::nullopt;
    }
    return json::parse(r.out);
}

// The conditions istiod wrote for a route's only parent, once it wrote them
// for the route's current generation with `type` False.
std::optional<json> route_conditions(const std::string& ns, const std::string& route, const std::string& type) {
    auto r = object("grpcroute", ns, route);
    if (!r) {
        return std::nullopt;
    }
    const auto parents = r->value("status", json::object()).value("parents", json::array());
    if (parents.size() != 1 || parents[0].value("controllerName", "") != "istio.io/gateway-controller") {
        return std::nullopt;
    }
    for (const auto& c : parents[0].value("conditions", json::array())) {
        if (c.value("type", "") == type && c.value("status", "") == "False" &&
            c.value("observedGeneration", 0) == (*r)["metadata"].value("generation", -1)) {
            return parents[0]["conditions"];
        }
    }
    return std::nullopt;
}

// check -n NS -o json, run as kubectl runs the plugin; its findings about `resource` ("Kind ns/name").
std::vector<json> findings_about(const json& report, const std::string& resource) {
    std::vector<json> out;
    for (const auto& f : report.value("findings", json::array())) {
        const auto& r = f.value("resource", json::object());
        if (r.value("kind", "") + " " + r.value("namespace", "") + "/" + r.value("name", "") == resource) {
            out.push_back(f);
        }
    }
    return out;
}

json check(const std::string& ns) {
    e2e::PluginPath path;
    auto r = path.kubectl({"grpcmesh", "check", "-n", ns, "--fail-on", "none", "-o", "json"});
    REQUIRE_MESSAGE(r.ok(), r.describe());
    json doc = json::parse(r.out, nullptr, false);
    REQUIRE_MESSAGE(!doc.is_discarded(), r.out.substr(0, 2000));
    return doc;
}

// The finding of `code` about `resource` whose message holds `part`.
bool reported(const json& report, const std::string& resource, const std::string& code, const std::string& part) {
    for (const auto& f : findings_about(report, resource)) {
        if (f.value("code", "") == code && f.value("message", "").find(part) != std::string::npos) {
            return true;
        }
    }
    return false;
}

std::string codes_about(const json& report, const std::string& resource) {
    std::string out;
    for (const auto& f : findings_about(report, resource)) {
        out += f.value("code", "") + " " + f.value("level", "") + ": " + f.value("message", "") + "\n";
    }
    return out;
}

}  // namespace

TEST_CASE("istiod Gateway API status: check reports the reasons istiod wrote, with its controller") {
    const std::string ns = e2e::create_namespace("gwstatus");
    const std::string other = e2e::create_namespace("gwstatus-other");
    const std::string host = e2e::unique_name("gwstatus") + ".example.com";
    for (const auto& n : {ns, other}) {
        apply("apiVersion: v1\nkind: Service\nmetadata: {name: greeter, namespace: " + n +
              "}\nspec:\n  ports:\n  - {name: api, port: 50051, appProtocol: kubernetes.io/h2c}\n");
    }
    apply("apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: gw, namespace: " + ns +
          "}\nspec:\n  gatewayClassName: istio\n  listeners:\n"
          "  - {name: h2c, port: 80, protocol: HTTP, hostname: " + host + ", allowedRoutes: {namespaces: {from: Same}}}\n"
          "  - name: https\n    port: 443\n    protocol: HTTPS\n    hostname: " + host +
          "\n    tls: {mode: Terminate, certificateRefs: [{name: missing-cert}]}\n");
    apply("apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: unclaimed, namespace: " + ns +
          "}\nspec:\n  gatewayClassName: no-controller\n  listeners:\n  - {name: h2c, port: 80, protocol: HTTP}\n");
    auto route = [&](const std::string& rns, const std::string& name, const std::string& parent,
                     const std::string& backend) {
        apply("apiVersion: gateway.networking.k8s.io/v1\nkind: GRPCRoute\nmetadata: {name: " + name +
              ", namespace: " + rns + "}\nspec:\n  parentRefs: [" + parent + "]\n  hostnames: [" + host +
              "]\n  rules:\n  - matches: [{method: {service: helloworld.Greeter}}]\n    backendRefs: [{name: " +
              backend + ", port: 50051}]\n");
    };
    route(ns, "nobackend", "{name: gw, sectionName: h2c}", "no-such-service");
    route(ns, "nosection", "{name: gw, sectionName: nope}", "greeter");
    route(other, "foreign", "{name: gw, namespace: " + ns + ", sectionName: h2c}", "greeter");

    // What istiod wrote, once it wrote it.
    auto nobackend = eventually([&] { return route_conditions(ns, "nobackend", "ResolvedRefs"); });
    auto nosection = eventually([&] { return route_conditions(ns, "nosection", "Accepted"); });
    auto foreign = eventually([&] { return route_conditions(other, "foreign", "Accepted"); });
    REQUIRE_MESSAGE(nobackend.has_value(), "istiod wrote no ResolvedRefs False on GRPCRoute " << ns << "/nobackend");
    REQUIRE_MESSAGE(nosection.has_value(), "istiod wrote no Accepted False on GRPCRoute " << ns << "/nosection");
    REQUIRE_MESSAGE(foreign.has_value(), "istiod wrote no Accepted False on GRPCRoute " << other << "/foreign");
    auto gw = eventually([&]() -> std::optional<json> {
        auto g = snapshot("gateway.gateway.networking.k8s.io", ns, "gw");
        if (!g) {
            return std::nullopt;
        }
        for (const auto& l : g->value("status", json::object()).value("listeners", json::array())) {
            if (l.value("name", "") == "https" && !false_conditions(l.value("conditions", json::array())).empty()) {
                return g;
            }
        }
        return std::nullopt;
    });
    REQUIRE_MESSAGE(gw.has_value(), "istiod wrote no False condition on listener https of Gateway " << ns << "/gw");
    const json& gw_status = (*gw)["status"];
    INFO("routes' status: ", nobackend->dump(), " ", nosection->dump(), " ", foreign->dump());
    INFO("Gateway status: ", gw_status.dump());

    // The reasons istiod gives for these (what the findings below must carry):
    CHECK(false_conditions(*nobackend).find("ResolvedRefs False (BackendNotFound: ") == 0);
    CHECK(false_conditions(*nosection).find("Accepted False (NoMatchingParent: ") == 0);
    CHECK(false_conditions(*foreign).find("Accepted False (NotAllowedByListeners: ") == 0);

    const json report = check(ns);
    const std::string source = "controller istio.io/gateway-controller reports ";
    {  // predicted by GM0068 and GM0066: one error each, and the controller's verdict as GM0074
        const std::string r = "GRPCRoute " + ns + "/nobackend";
        INFO(codes_about(report, r));
        CHECK(reported(report, r, "GM0068", ""));
        CHECK(reported(report, r, "GM0074",
                       source + false_conditions(*nobackend) + " for parentRef " + ns + "/gw/h2c: the problem found by GM0068"));
        CHECK_FALSE(reported(report, r, "GM0070", ""));
    }
    {
        const std::string r = "GRPCRoute " + ns + "/nosection";
        INFO(codes_about(report, r));
        CHECK(reported(report, r, "GM0066", ""));
        CHECK(reported(report, r, "GM0074",
                       source + false_conditions(*nosection) + " for parentRef " + ns + "/gw/nope: the problem found by GM0066"));
    }
    std::string listener_conditions;
    for (const auto& l : gw_status["listeners"]) {
        if (l.value("name", "") == "https") {
            listener_conditions = false_conditions(l["conditions"]);
        }
    }
    {  // the listener without its Secret: istiod's verdict is an error of its own (Secrets are not read for it)
        const std::string r = "Gateway " + ns + "/gw";
        INFO(codes_about(report, r));
        CHECK(listener_conditions.find("ResolvedRefs False (InvalidCertificateRef: ") != std::string::npos);
        CHECK(reported(report, r, "GM0071", source + listener_conditions + " for listener https of Gateway " + ns + "/gw"));
        // The Gateway's own Programmed: no pod runs here, so istiod assigns it no address.
        const std::string gateway_conditions = false_conditions(gw_status.value("conditions", json::array()));
        CHECK(gateway_conditions.find("Programmed False (AddressNotAssigned: ") == 0);
        CHECK(gateway_conditions.find(" False (", 20) == std::string::npos);  // its only False condition
        CHECK(reported(report, r, "GM0072", source + gateway_conditions + " for Gateway " + ns + "/gw"));
        CHECK_FALSE(reported(report, r, "GM0071", " for Gateway " + ns + "/gw"));
    }
    {  // no controller serves class no-controller: the CRD's default status stays
        auto unclaimed = get("gateway.gateway.networking.k8s.io", ns, "unclaimed");
        const auto conditions = unclaimed["status"].value("conditions", json::array());
        REQUIRE(!conditions.empty());
        CHECK(conditions[0].value("status", "") == "Unknown");
        const std::string r = "Gateway " + ns + "/unclaimed";
        INFO(codes_about(report, r));
        CHECK(reported(report, r, "GM0073",
                       "Accepted Unknown (" + conditions[0].value("reason", "") + ": " +
                           json(conditions[0].value("message", "")).dump() + ")"));
        CHECK(reported(report, r, "GM0073", "no controller has judged it yet"));
    }

    const json other_report = check(other);
    {
        const std::string r = "GRPCRoute " + other + "/foreign";
        INFO(codes_about(other_report, r));
        CHECK(reported(other_report, r, "GM0064", ""));
        CHECK(reported(other_report, r, "GM0074",
                       source + false_conditions(*foreign) + " for parentRef " + ns + "/gw/h2c: the problem found by GM0064"));
        CHECK_FALSE(reported(other_report, r, "GM0070", ""));
    }
}

TEST_CASE("istiod Gateway API status: a condition the objects do not explain is check's GM0070, as istiod wrote it") {
    // A backendRef to a Service that the route's namespace holds, but on a
    // kind istiod does not resolve (a ConfigMap): istiod writes ResolvedRefs
    // False InvalidKind; no analyzer predicts it, so the verdict is an error.
    const std::string ns = e2e::create_namespace("gwstatus-kind");
    const std::string host = e2e::unique_name("gwstatus-kind") + ".example.com";
    apply("apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: gw, namespace: " + ns +
          "}\nspec:\n  gatewayClassName: istio\n  listeners:\n"
          "  - {name: h2c, port: 80, protocol: HTTP, hostname: " + host + "}\n");
    apply("apiVersion: gateway.networking.k8s.io/v1\nkind: GRPCRoute\nmetadata: {name: odd, namespace: " + ns +
          "}\nspec:\n  parentRefs: [{name: gw}]\n  hostnames: [" + host +
          "]\n  rules:\n  - matches: [{method: {service: helloworld.Greeter}}]\n"
          "    backendRefs: [{group: \"\", kind: ConfigMap, name: settings, port: 50051}]\n");
    auto conditions = eventually([&] { return route_conditions(ns, "odd", "ResolvedRefs"); });
    REQUIRE_MESSAGE(conditions.has_value(), "istiod wrote no ResolvedRefs False on GRPCRoute " << ns << "/odd");
    INFO(conditions->dump());
    const json report = check(ns);
    const std::string r = "GRPCRoute " + ns + "/odd";
    INFO(codes_about(report, r));
    CHECK(reported(report, r, "GM0070",
                   "controller istio.io/gateway-controller reports " + false_conditions(*conditions) +
                       " for parentRef " + ns + "/gw"));
    for (const auto& f : findings_about(report, r)) {
        if (f.value("code", "") == "GM0070") {
            CHECK(f.value("level", "") == "error");
        }
    }
}

TEST_CASE("istiod Gateway API status: references without a ReferenceGrant and hostnames that miss, as istiod judges them") {
    const std::string ns = e2e::create_namespace("gwrefs");
    const std::string other = e2e::create_namespace("gwrefs-other");
    const std::string host = e2e::unique_name("gwrefs") + ".example.com";
    apply("apiVersion: v1\nkind: Service\nmetadata: {name: greeter, namespace: " + other +
          "}\nspec:\n  ports:\n  - {name: api, port: 50051, appProtocol: kubernetes.io/h2c}\n");
    // A TLS Secret of the other namespace, which no ReferenceGrant shares.
    e2e::TempDir dir;
    const auto [cert, key] = make_certificate(dir, host);
    auto secret = e2e::kubectl({"create", "secret", "tls", "api-cert", "-n", other, "--cert", cert, "--key", key});
    REQUIRE_MESSAGE(secret.ok(), secret.describe());
    apply("apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: gw, namespace: " + ns +
          "}\nspec:\n  gatewayClassName: istio\n  listeners:\n"
          "  - {name: h2c, port: 80, protocol: HTTP, hostname: " + host + "}\n"
          "  - name: https\n    port: 443\n    protocol: HTTPS\n    hostname: " + host +
          "\n    tls: {mode: Terminate, certificateRefs: [{name: api-cert, namespace: " + other + "}]}\n");
    auto route = [&](const std::string& name, const std::string& hostname, const std::string& backend) {
        apply("apiVersion: gateway.networking.k8s.io/v1\nkind: GRPCRoute\nmetadata: {name: " + name +
              ", namespace: " + ns + "}\nspec:\n  parentRefs: [{name: gw, sectionName: h2c}]\n  hostnames: [" +
              hostname + "]\n  rules:\n  - matches: [{method: {service: helloworld.Greeter}}]\n    backendRefs: [" +
              backend + "]\n");
    };
    route("ungranted", host, "{name: greeter, namespace: " + other + ", port: 50051}");
    route("elsewhere", "other." + host, "{name: greeter, namespace: " + other + ", port: 50051}");

    auto ungranted = eventually([&] { return route_conditions(ns, "ungranted", "ResolvedRefs"); });
    auto elsewhere = eventually([&] { return route_conditions(ns, "elsewhere", "Accepted"); });
    REQUIRE_MESSAGE(ungranted.has_value(), "istiod wrote no ResolvedRefs False on GRPCRoute " << ns << "/ungranted");
    REQUIRE_MESSAGE(elsewhere.has_value(), "istiod wrote no Accepted False on GRPCRoute " << ns << "/elsewhere");
    std::string listener_conditions;
    auto gw = eventually([&]() -> std::optional<json> {
        auto g = snapshot("gateway.gateway.networking.k8s.io", ns, "gw");
        for (const auto& l : g ? (*g)["status"].value("listeners", json::array()) : json::array()) {
            if (l.value("name", "") == "https" && !false_conditions(l.value("conditions", json::array())).empty()) {
                listener_conditions = false_conditions(l["conditions"]);
                return g;
            }
        }
        return std::nullopt;
    });
    REQUIRE_MESSAGE(gw.has_value(), "istiod wrote no False condition on listener https of Gateway " << ns << "/gw");
    MESSAGE("istiod's verdicts: ungranted: ", false_conditions(*ungranted), "; elsewhere: ",
            false_conditions(*elsewhere), "; listener https: ", listener_conditions);

    // istiod's reasons, which check's own analyzers predict:
    CHECK(false_conditions(*ungranted).find("ResolvedRefs False (RefNotPermitted: ") == 0);
    CHECK(false_conditions(*elsewhere).find("Accepted False (NoMatchingListenerHostname: ") == 0);
    // the listener: RefNotPermitted, and Accepted False with istiod's reason NoValidCACertificate
    CHECK(listener_conditions.find("ResolvedRefs False (RefNotPermitted: ") != std::string::npos);
    CHECK(listener_conditions.find("Accepted False (NoValidCACertificate: ") != std::string::npos);

    const json report = check(ns);
    const std::string source = "controller istio.io/gateway-controller reports ";
    {  // GM0063: the backend of another namespace without a grant
        const std::string r = "GRPCRoute " + ns + "/ungranted";
        INFO(codes_about(report, r));
        CHECK(reported(report, r, "GM0063", ""));
        CHECK(reported(report, r, "GM0074",
                       source + false_conditions(*ungranted) + " for parentRef " + ns + "/gw/h2c: the problem found by GM0063"));
        CHECK_FALSE(reported(report, r, "GM0070", ""));
    }
    {  // GM0065: the route's hostname misses the listener's
        const std::string r = "GRPCRoute " + ns + "/elsewhere";
        INFO(codes_about(report, r));
        CHECK(reported(report, r, "GM0065", ""));
        CHECK(reported(report, r, "GM0074",
                       source + false_conditions(*elsewhere) + " for parentRef " + ns +
                           "/gw/h2c: the problem found by GM0063 and GM0065"));
    }
    {  // GM0062: the listener's Secret in another namespace without a grant
        const std::string r = "Gateway " + ns + "/gw";
        INFO(codes_about(report, r));
        CHECK(reported(report, r, "GM0062", ""));
        CHECK((reported(report, r, "GM0071", source + listener_conditions + " for listener https of Gateway " + ns + "/gw") ||
               reported(report, r, "GM0074", source + listener_conditions + " for listener https of Gateway " + ns + "/gw")));
    }
}
