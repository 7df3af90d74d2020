// `web` for a host of a Gateway API Gateway, against the real istiod: init,
// expose and web with --api gateway-api, then a stand-in gateway pod of that
// Gateway (labelled gateway.networking.k8s.io/gateway-name, as the pods istiod
// deploys for it are) connects over xDS. What istiod sends it is what an Envoy
// there would run: the grpc_web filter in the HTTP filters of the listener
// that routes the host, and web's CORS policy on the host's virtual host,
// next to the GRPCRoute's route. Removing web takes both away again.
#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "harness.hpp"
#include "istiod/istiod_support.hpp"
#include "mesh_support.hpp"

using namespace istiod_e2e;
using namespace mesh_e2e;

namespace {

void must(const e2e::Result& r) { REQUIRE_MESSAGE(r.ok(), r.describe()); }

// A running pod NS/NAME of the Gateway GATEWAY (no kubelet runs here: its
// status is written by the test, as controlplane.sh does for the Istio
// ingress gateway's pods).
void gateway_pod(const std::string& ns, const std::string& name, const std::string& gateway) {
    must(e2e::apply_yaml("apiVersion: v1\nkind: Pod\nmetadata:\n  name: " + name + "\n  namespace: " + ns +
                         "\n  labels: {gateway.networking.k8s.io/gateway-name: " + gateway +
                         ", istio.io/gateway-name: " + gateway +
                         "}\nspec:\n  nodeName: grpcmesh-sim-node\n  containers:\n  - name: istio-proxy\n"
                         "    image: docker.io/istio/proxyv2:1.28.0\n"));
    must(e2e::kubectl({"patch", "-n", ns, "pod", name, "--subresource=status", "--type=merge", "-p",
                       R"({"status":{"phase":"Running","podIP":"10.244.1.7","podIPs":[{"ip":"10.244.1.7"}],)"
                       R"("conditions":[{"type":"Ready","status":"True"}]}})"}));
}

// The HTTP filters of the listener whose connection manager takes its routes
// from the route configuration `rds`, in order.
std::vector<std::string> http_filters(const json& listeners, const std::string& rds) {
    for (auto& [name, l] : listeners.items()) {
        for (const auto& fc : l.value("filterChains", json::array())) {
            for (const auto& f : fc.value("filters", json::array())) {
                const json tc = f.value("typedConfig", json::object());
                if (tc.value("rds", json::object()).value("routeConfigName", "") != rds) {
                    continue;
                }
                std::vector<std::string> out;
                for (const auto& h : tc.value("httpFilters", json::array())) {
                    out.push_back(h.value("name", ""));
                }
                return out;
            }
        }
    }
    return {};
}

size_t position(const std::vector<std::string>& list, const std::string& item) {
    return static_cast<size_t>(std::find(list.begin(), list.end(), item) - list.begin());
}

}  // namespace

TEST_CASE("istiod Gateway API: web's grpc_web filter and CORS policy reach the Gateway's pods over xDS") {
    const std::string host = e2e::unique_name("gwweb") + ".example.com";
    const std::string ns = e2e::create_namespace("gwweb");
    create_service(ns, "greeter", "  - {name: api, port: 50051}\n");
    for (const auto& args : std::vector<std::vector<std::string>>{
             {"init", "--host", host, "--api", "gateway-api", "--gateway-namespace", ns, "--plaintext"},
             {"expose", "greeter", "-n", ns, "--host", host, "--grpc-service", "helloworld.Greeter"},
             {"web", "--host", host, "--allow-origin", "https://app.example.com"}}) {
        must(e2e::plugin(args));
    }
    // The Gateway init made for the host, and a pod of it.
    e2e::Result gw = e2e::kubectl({"get", "gateways.gateway.networking.k8s.io", "-n", ns, "-o",
                                   "jsonpath={.items[0].metadata.name}"});
    must(gw);
    REQUIRE_FALSE(gw.out.empty());
    const std::string pod = gw.out + "-stand-in";
    gateway_pod(ns, pod, gw.out);
    e2e::TempDir dir;
    Gateway g(dir, ns + "/" + pod);

    // The host's virtual host, with web's CORS policy, and the listener
    // routing it, with grpc_web before the router.
    json vhost;
    std::vector<std::string> filters;
    const bool arrived = eventually([&]() -> std::optional<json> {
                             json res = g.resources();
                             auto route = route_for(res.value(kRoute, json::object()), host);
                             if (!route) {
                                 return std::nullopt;
                             }
                             vhost = (*route)["virtualHost"];
                             filters = http_filters(res.value(kListener, json::object()), (*route)["name"]);
                             const bool cors = vhost.value("typedPerFilterConfig", json::object())
                                                   .contains("envoy.filters.http.cors");
                             return cors && position(filters, "envoy.filters.http.grpc_web") < filters.size()
                                        ? std::optional<json>(vhost)
                                        : std::nullopt;
                         }).has_value();
    REQUIRE_MESSAGE(arrived, "the Gateway's pod never got grpc_web and CORS for " << host << "; virtual host: "
                                                                                   << vhost.dump() << "; filters: "
                                                                                   << filters.size());
    CHECK(position(filters, "envoy.filters.http.grpc_web") < position(filters, "envoy.filters.http.cors"));
    CHECK(position(filters, "envoy.filters.http.cors") < position(filters, "envoy.filters.http.router"));
    CHECK(filters.back() == "envoy.filters.http.router");
    const json cors = vhost["typedPerFilterConfig"]["envoy.filters.http.cors"];
    CHECK(cors["allowOriginStringMatch"][0]["exact"] == "https://app.example.com");
    CHECK(cors["allowMethods"].get<std::string>().find("OPTIONS") != std::string::npos);
    CHECK(cors["exposeHeaders"].get<std::string>().find("grpc-status") != std::string::npos);
    // The GRPCRoute's route is still the one the host's calls take.
    bool greeter = false;
    for (const auto& r : vhost.value("routes", json::array())) {
        greeter = greeter || r.value("route", json::object()).value("cluster", "") ==
                                 "outbound|50051||greeter." + ns + ".svc.cluster.local";
    }
    CHECK_MESSAGE(greeter, vhost.dump());

    // web --remove: istiod takes both away from the pod again.
    must(e2e::plugin({"web", "--host", host, "--remove"}));
    const bool removed = eventually([&]() -> std::optional<json> {
                             json res = g.resources();
                             auto route = route_for(res.value(kRoute, json::object()), host);
                             if (!route) {
                                 return std::nullopt;
                             }
                             const auto now = http_filters(res.value(kListener, json::object()), (*route)["name"]);
                             const bool cors = (*route)["virtualHost"]
                                                   .value("typedPerFilterConfig", json::object())
                                                   .contains("envoy.filters.http.cors");
                             return !cors && position(now, "envoy.filters.http.grpc_web") == now.size()
                                        ? std::optional<json>(*route)
                                        : std::nullopt;
                         }).has_value();
    CHECK_MESSAGE(removed, "web --remove left grpc_web or CORS on the Gateway's pod for " << host);
}
