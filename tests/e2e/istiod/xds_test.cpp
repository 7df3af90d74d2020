// Against a real istiod (controlplane.sh --istiod, the "controlplane-istiod"
// fixture): the objects `init`, `tls` and `expose` write for a host become,
// in istiod, a listener filter chain and a route for that host, which the
// stand-in gateway (the xdsclient peer, connected as a simulated gateway pod)
// receives and ACKs; a gateway that NACKs routes shows istiod's view of that
// NACK in /debug/syncz.
#include <doctest/doctest.h>

#include <map>
#include <optional>
#include <string>

#include "harness.hpp"
#include "istiod/istiod_support.hpp"
#include "mesh_support.hpp"

using namespace istiod_e2e;
using namespace mesh_e2e;
using namespace std::chrono_literals;

TEST_CASE("istiod: init, tls and expose reach the gateway over xDS, and a NACKed route shows in syncz") {
    const std::string host = e2e::unique_name("xds") + ".example.com";
    const std::string ns = e2e::create_namespace("xds");
    create_service(ns, "greeter", "  - {name: api, port: 50051}\n");
    const std::string cluster = "outbound|50051||greeter." + ns + ".svc.cluster.local";
    e2e::TempDir dir;
    const auto [cert, key] = make_certificate(dir, host);

    Gateway acking(dir, "istio-ingressgateway-sim-1");
    // Connected and synced, but nothing for the host yet.
    CHECK_FALSE(route_for(acking.resources().value(kRoute, json::object()), host).has_value());
    CHECK_FALSE(chain_route(acking.resources().value(kListener, json::object()), host).has_value());

    for (const auto& args : std::vector<std::vector<std::string>>{
             {"init", "--host", host},
             {"tls", "--host", host, "--cert", cert, "--key", key},
             {"expose", "greeter", "-n", ns, "--host", host, "--grpc-service", "helloworld.Greeter"}}) {
        auto r = e2e::plugin(args);
        REQUIRE_MESSAGE(r.ok(), r.describe());
    }

    // istiod turns the objects into a filter chain for the host's SNI whose
    // route configuration sends /helloworld.Greeter/ to the Service over HTTP/2.
    auto got = eventually([&]() -> std::optional<json> {
        json res = acking.resources();
        auto rds = chain_route(res.value(kListener, json::object()), host);
        auto route = route_for(res.value(kRoute, json::object()), host);
        if (!rds || !route || (*route)["name"] != *rds || !res.value(kCluster, json::object()).contains(cluster)) {
            return std::nullopt;
        }
        return json{{"route", *route}, {"cluster", res[kCluster][cluster]}};
    });
    REQUIRE_MESSAGE(got.has_value(), "the stand-in gateway never received a listener, route and cluster for " << host
                             << "; it holds: " << acking.resources().dump().substr(0, 2000));
    const json& routes = (*got)["route"]["virtualHost"]["routes"];
    REQUIRE(routes.size() == 1);
    CHECK(routes[0]["match"]["prefix"] == "/helloworld.Greeter/");
    CHECK(routes[0]["route"]["cluster"] == cluster);
    CHECK((*got)["cluster"]["typedExtensionProtocolOptions"]["envoy.extensions.upstreams.http.v3.HttpProtocolOptions"]
              ["explicitHttpConfig"]
                  .contains("http2ProtocolOptions"));
    const std::string route_name = (*got)["route"]["name"];

    // istiod's own view of what it sent the pod: the same route.
    json dump = istiod_debug("/debug/config_dump?proxyID=istio-ingressgateway-sim-1.istio-system");
    bool in_dump = false;
    for (const auto& c : dump["configs"]) {
        for (const auto& r : c.value("dynamicRouteConfigs", json::array())) {
            in_dump = in_dump || r["routeConfig"].value("name", "") == route_name;
        }
    }
    CHECK_MESSAGE(in_dump, "istiod's config_dump for the pod lacks " << route_name);

    // A second gateway pod that NACKs every route update: istiod records the
    // error text for routes, while the first pod has ACKed what it was sent.
    Gateway nacking(dir, "istio-ingressgateway-sim-2", {"--nack", "rds"});
    auto nacked = eventually([&]() -> std::optional<json> {
        auto p = syncz_of("istio-ingressgateway-sim-2.istio-system");
        if (!p || !(*p)["resources"].contains(kRoute) || !(*p)["resources"][kRoute].contains("lastError")) {
            return std::nullopt;
        }
        return p;
    });
    REQUIRE_MESSAGE(nacked.has_value(), "istiod's syncz never showed the NACK of istio-ingressgateway-sim-2");
    const json& r2 = (*nacked)["resources"][kRoute];
    CHECK(contains(r2["lastError"].get<std::string>(), "as told by --nack"));
    CHECK(contains(r2["lastError"].get<std::string>(), route_name));
    CHECK_FALSE(r2.contains("acked"));
    CHECK((*nacked)["resources"][kListener]["acked"] == (*nacked)["resources"][kListener]["sent"]);
    auto acked = eventually([&]() -> std::optional<json> {
        auto p = syncz_of("istio-ingressgateway-sim-1.istio-system");
        if (!p || !(*p)["resources"].contains(kRoute)) {
            return std::nullopt;
        }
        const json& r = (*p)["resources"][kRoute];
        if (!r.contains("acked") || r["acked"] != r["sent"]) {
            return std::nullopt;
        }
        return r;
    });
    REQUIRE_MESSAGE(acked.has_value(), "istiod's syncz never showed istio-ingressgateway-sim-1 ACKing its routes");
    CHECK_FALSE(acked->contains("lastError"));

    // check --deep asking the same istiod directly: what it sent each pod for
    // the host, and the second pod's NACK as a finding.
    auto deep = e2e::plugin({"check", "-A", "--host", host, "--deep", "--istiod-address",
                             e2e::cluster("GRPCMESH_ISTIOD_HTTP"), "--fail-on", "none", "-o", "json"});
    REQUIRE_MESSAGE(deep.ok(), deep.describe());
    const json report = json::parse(deep.out);
    REQUIRE(report.contains("deep"));
    std::map<std::string, json> pods;
    for (const auto& p : report["deep"]["pods"]) {
        pods[p.value("pod", "")] = p;
    }
    const auto state = [&](const std::string& pod, const std::string& type) {
        for (const auto& s : pods[pod].value("sync", json::array())) {
            if (s.value("type", "") == type) {
                return s;
            }
        }
        return json::object();
    };
    CHECK(state("istio-system/istio-ingressgateway-sim-1", "RDS").value("state", "") == "SYNCED");
    const json nack = state("istio-system/istio-ingressgateway-sim-2", "RDS");
    CHECK(nack.value("state", "") == "NACK");
    CHECK(contains(nack.value("error", ""), "as told by --nack"));
    bool gm0102 = false;
    for (const auto& f : report["findings"]) {
        gm0102 = gm0102 || (f.value("code", "") == "GM0102" && contains(f.value("message", ""), "istio-ingressgateway-sim-2"));
    }
    CHECK_MESSAGE(gm0102, "no GM0102 for the NACKing pod: " << deep.out.substr(0, 3000));
    bool routed = false;
    for (const auto& h : report["deep"]["hosts"]) {
        if (h.value("host", "") != host || h.value("pod", "") != "istio-system/istio-ingressgateway-sim-1") {
            continue;
        }
        CHECK(h.value("serverNames", json::array()) == json::array({host}));
        CHECK(h.value("routeConfig", "") == route_name);
        for (const auto& r : h.value("routes", json::array())) {
            routed = routed || (r.value("cluster", "") == cluster && r.value("http2", false));
        }
    }
    CHECK_MESSAGE(routed, "check --deep does not show sim-1's route to " << cluster << ": " << deep.out.substr(0, 3000));
}
