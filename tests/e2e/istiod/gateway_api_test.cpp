// Against a real istiod (controlplane.sh --istiod, the "controlplane-istiod"
// fixture): its Gateway API controller, as in a cluster. istiod creates and
// accepts GatewayClass istio, writes the status of a Gateway and of the
// GRPCRoutes bound to it, and its deployment controller creates the
// Deployment, Service and ServiceAccount of the Gateway (no kubelet runs, so
// the Deployment gets no pods). Everything asserted is what istiod wrote.
#include <doctest/doctest.h>

#include <chrono>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>

#include "harness.hpp"
#include "istiod/istiod_support.hpp"
#include "mesh_support.hpp"

using namespace mesh_e2e;
using istiod_e2e::eventually;
using namespace std::chrono_literals;

namespace {

// The condition `type` of a conditions list, or an empty object.
json condition(const json& conditions, const std::string& type) {
    for (const auto& c : conditions) {
        if (c.value("type", "") == type) {
            return c;
        }
    }
    return json::object();
}

// The status istiod wrote for `route` under its parent Gateway `gateway`,
// once it has written one.
std::optional<json> route_parent_status(const std::string& kind, const std::string& ns, const std::string& route,
                                        const std::string& gateway) {
    auto r = snapshot(kind, ns, route);
    if (!r) {
        return std::nullopt;
    }
    for (const auto& p : r->value("status", json::object()).value("parents", json::array())) {
        if (p.value("parentRef", json::object()).value("name", "") == gateway &&
            p.value("controllerName", "") == "istio.io/gateway-controller") {
            return p;
        }
    }
    return std::nullopt;
}

void apply(const std::string& yaml) {
    auto r = e2e::apply_yaml(yaml);
    REQUIRE_MESSAGE(r.ok(), r.describe());
}

}  // namespace

TEST_CASE("istiod Gateway API: GatewayClass istio is created and accepted by istiod") {
    auto gc = eventually([]() -> std::optional<json> {
        auto g = snapshot("gatewayclass", "", "istio");
        if (g && condition(g->value("status", json::object()).value("conditions", json::array()), "Accepted")
                         .value("status", "") == "True") {
            return g;
        }
        return std::nullopt;
    });
    REQUIRE_MESSAGE(gc.has_value(), "GatewayClass istio was not created and accepted; istiod.log says why");
    CHECK((*gc)["spec"]["controllerName"] == "istio.io/gateway-controller");
    const auto accepted = condition((*gc)["status"]["conditions"], "Accepted");
    CHECK(accepted["reason"] == "Accepted");
}

TEST_CASE("istiod Gateway API: Gateway and GRPCRoute status, and the deployed gateway") {
    const std::string ns = e2e::create_namespace("gwapi");
    const std::string host = e2e::unique_name("gwapi") + ".example.com";
    apply("apiVersion: v1\nkind: Service\nmetadata: {name: greeter, namespace: " + ns +
          "}\nspec:\n  ports:\n  - {name: api, port: 50051, appProtocol: kubernetes.io/h2c}\n");
    apply("apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: gw, namespace: " + ns +
          "}\nspec:\n  gatewayClassName: istio\n  listeners:\n"
          "  - {name: h2c, port: 80, protocol: HTTP, hostname: " + host + ", allowedRoutes: {namespaces: {from: Same}}}\n");
    const std::string route = "apiVersion: gateway.networking.k8s.io/v1\nkind: GRPCRoute\nmetadata: {name: NAME, namespace: " +
                              ns + "}\nspec:\n  parentRefs: [{name: gw}]\n  hostnames: [" + host +
                              "]\n  rules:\n  - matches: [{method: {service: helloworld.Greeter}}]\n"
                              "    backendRefs: [{name: BACKEND, port: 50051}]\n";
    auto routed = [&](const std::string& name, const std::string& backend) {
        std::string y = route;
        y.replace(y.find("NAME"), 4, name);
        y.replace(y.find("BACKEND"), 7, backend);
        return y;
    };
    apply(routed("greeter", "greeter"));
    apply(routed("missing", "no-such-service"));

    {  // the Gateway is Accepted, its listener counts both routes
        auto gw = eventually([&]() -> std::optional<json> {
            auto g = snapshot("gateway.gateway.networking.k8s.io", ns, "gw");
            const auto st = g ? g->value("status", json::object()) : json::object();
            const auto listeners = st.value("listeners", json::array());
            if (condition(st.value("conditions", json::array()), "Accepted").value("status", "") == "True" &&
                listeners.size() == 1 && listeners[0].value("attachedRoutes", 0) == 2) {
                return g;
            }
            return std::nullopt;
        });
        REQUIRE_MESSAGE(gw.has_value(), "istiod did not accept Gateway " << ns << "/gw with 2 attached routes");
        const auto& st = (*gw)["status"];
        CHECK(condition(st["conditions"], "Accepted")["reason"] == "Accepted");
        // Programmed is written too; without a kubelet nor a load balancer
        // the deployed Service has no address, which istiod reports.
        const auto programmed = condition(st["conditions"], "Programmed");
        REQUIRE_MESSAGE(!programmed.empty(), st.dump());
        INFO(st.dump());
        const auto& l = st["listeners"][0];
        CHECK(l["name"] == "h2c");
        for (const auto* type : {"Accepted", "ResolvedRefs", "Programmed"}) {
            CHECK_MESSAGE(condition(l["conditions"], type).value("status", "") == "True", type);
        }
        bool grpcroute_supported = false;
        for (const auto& k : l.value("supportedKinds", json::array())) {
            grpcroute_supported |= k.value("kind", "") == "GRPCRoute";
        }
        CHECK(grpcroute_supported);
    }

    {  // a GRPCRoute to a Service is Accepted and ResolvedRefs
        auto p = eventually([&] { return route_parent_status("grpcroute", ns, "greeter", "gw"); });
        REQUIRE_MESSAGE(p.has_value(), "istiod wrote no status for GRPCRoute " << ns << "/greeter");
        INFO(p->dump());
        CHECK(condition((*p)["conditions"], "Accepted")["status"] == "True");
        CHECK(condition((*p)["conditions"], "ResolvedRefs")["status"] == "True");
    }

    {  // a GRPCRoute to a missing Service is Accepted, but not ResolvedRefs: BackendNotFound
        auto p = eventually([&] { return route_parent_status("grpcroute", ns, "missing", "gw"); });
        REQUIRE_MESSAGE(p.has_value(), "istiod wrote no status for GRPCRoute " << ns << "/missing");
        INFO(p->dump());
        CHECK(condition((*p)["conditions"], "Accepted")["status"] == "True");
        const auto refs = condition((*p)["conditions"], "ResolvedRefs");
        CHECK(refs["status"] == "False");
        CHECK(refs["reason"] == "BackendNotFound");
    }

    {  // the deployment controller creates the gateway's Deployment, Service and ServiceAccount
        auto svc = eventually([&] { return snapshot("service", ns, "gw-istio"); });
        REQUIRE_MESSAGE(svc.has_value(), "istiod created no Service " << ns << "/gw-istio");
        CHECK((*svc)["metadata"]["labels"]["gateway.networking.k8s.io/gateway-name"] == "gw");
        CHECK((*svc)["spec"]["selector"] == json{{"gateway.networking.k8s.io/gateway-name", "gw"}});
        CHECK((*svc)["spec"]["type"] == "LoadBalancer");
        // The ports the Istio oracle gives the Service it makes for a
        // Gateway the files lack (tests/peers/istio/oracle/gatewayapi_test.go):
        // status-port, then one per listener port, named after the listener,
        // appProtocol the listener's protocol in lower case.
        json ports = json::array();
        for (const auto& p : (*svc)["spec"]["ports"]) {
            ports.push_back({p.value("name", ""), p.value("port", 0), p.value("appProtocol", "")});
        }
        CHECK(ports == json::parse(R"([["status-port", 15021, "tcp"], ["h2c", 80, "http"]])"));
        CHECK((*svc)["metadata"]["ownerReferences"][0]["kind"] == "Gateway");

        auto dep = eventually([&] { return snapshot("deployment", ns, "gw-istio"); });
        REQUIRE_MESSAGE(dep.has_value(), "istiod created no Deployment " << ns << "/gw-istio");
        CHECK((*dep)["spec"]["template"]["metadata"]["labels"]["gateway.networking.k8s.io/gateway-name"] == "gw");
        CHECK((*dep)["spec"]["template"]["spec"]["serviceAccountName"] == "gw-istio");
        CHECK(snapshot("serviceaccount", ns, "gw-istio").has_value());
    }
}
