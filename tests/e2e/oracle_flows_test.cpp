// What the commands leave in the cluster, judged by Istio's own config
// generator: after each step of the init, tls, expose, stream and web flows
// (and each --remove), the cluster's objects go to the Istio oracle
// (tests/peers/istio/oracle), which builds the ingress gateway pods'
// configuration as istiod would and runs calls through it. gRPC calls must
// reach each exposed service's cluster over HTTP/2 with no route timeout,
// gRPC-Web calls must meet the grpc_web filter before grpc_stats, fault, cors
// and the router (as on Istio's own GRPC-WEB servers), a CORS
// preflight must get the policy that allows the configured origin and no
// other, and what --remove took away must no longer route.
#include <doctest/doctest.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "harness.hpp"
#include "mesh_support.hpp"

using nlohmann::json;

namespace {

// The flow's objects: those in its namespaces, and the host's and the
// grpc_web filter in istio-system. (Other tests leave objects of their own,
// some deliberately invalid, in the shared cluster.)
struct Owned {
    std::vector<std::string> namespaces;
    std::string host;
    bool owns(const json& object) const {
        const std::string ns = object.value("namespace", "");
        const std::string name = object.value("name", "");
        if (std::find(namespaces.begin(), namespaces.end(), ns) != namespaces.end()) {
            return true;
        }
        return ns == "istio-system" &&
               (name.rfind(mesh_e2e::host_object(host), 0) == 0 || name.rfind("grpc-web", 0) == 0);
    }
};

// The cluster's objects as the gateway sees them, and the oracle's answers
// to `calls` over them. None of the flow's objects may be one Istio's
// validation rejects.
json judge(const json& calls, const Owned& owned) {
    auto objects = e2e::kubectl({"get",
                                 "namespaces,services,endpointslices,pods,secrets,gateways.networking.istio.io,"
                                 "virtualservices.networking.istio.io,destinationrules.networking.istio.io,"
                                 "envoyfilters.networking.istio.io",
                                 "-A", "-o", "json"});
    REQUIRE_MESSAGE(objects.ok(), objects.describe());
    e2e::TempDir dir;
    const auto snapshot = dir.write("cluster.json", objects.out);
    const auto batch = dir.write(
        "scenarios.json", json::array({{{"name", "cluster"}, {"files", {snapshot.string()}}, {"calls", calls}}}).dump());
    const auto out = dir.path() / "results.json";
    auto r = e2e::run({e2e::cluster("ISTIO_ORACLE"), "-test.run=TestOracle", "-batch=" + batch.string(),
                       "-out=" + out.string()});
    REQUIRE_MESSAGE(r.ok(), r.describe());
    json results = json::parse(e2e::read_file(out));
    REQUIRE(results.size() == 1);
    REQUIRE_MESSAGE(results[0].value("error", "").empty(), results[0].dump());
    for (const auto& invalid : results[0]["invalid"]) {
        CHECK_MESSAGE(!owned.owns(invalid), "Istio's validation rejects: " << invalid.dump());
    }
    REQUIRE(results[0]["calls"].size() == calls.size());
    return results[0]["calls"];
}

json grpc_call(const std::string& name, const std::string& host, const std::string& path, bool tls = true) {
    json c = {{"name", name},
              {"port", tls ? 443 : 80},
              {"authority", host},
              {"path", path},
              {"headers", {{"content-type", "application/grpc"}, {"te", "trailers"}}}};
    if (tls) {
        c["tls"] = "tls";
        c["alpn"] = "h2";
    }
    return c;
}

json grpc_web_call(const std::string& host, const std::string& path, const std::string& origin) {
    return {{"name", "grpc-web"}, {"port", 443}, {"tls", "tls"}, {"alpn", "h2"}, {"authority", host}, {"path", path},
            {"headers", {{"content-type", "application/grpc-web+proto"}, {"x-grpc-web", "1"}, {"origin", origin}}}};
}

json preflight(const std::string& name, const std::string& host, const std::string& path, const std::string& origin) {
    return {{"name", name},
            {"port", 443},
            {"tls", "tls"},
            {"alpn", "h2"},
            {"authority", host},
            {"method", "OPTIONS"},
            {"path", path},
            {"headers",
             {{"origin", origin},
              {"access-control-request-method", "POST"},
              {"access-control-request-headers", "content-type,x-grpc-web"}}}};
}

std::string cluster_of(const std::string& service, const std::string& ns, int port) {
    return "outbound|" + std::to_string(port) + "||" + service + "." + ns + ".svc.cluster.local";
}

// A gRPC call that reaches `cluster` over HTTP/2, with no route timeout.
void expect_grpc(const json& call, const std::string& cluster) {
    INFO(call.dump());
    CHECK(call.value("error", "") == "");
    CHECK(call.value("cluster", "") == cluster);
    CHECK(call.value("clusterFound", false));
    CHECK(call.value("upstreamProtocol", "") == "HTTP2");
    REQUIRE(call.contains("timeoutMs"));
    CHECK(call["timeoutMs"] == 0);  // disabled: the route sets none
}

void expect_unrouted(const json& call) {
    INFO(call.dump());
    CHECK(call.value("error", "") != "");
}

int index_of(const json& filters, const std::string& name) {
    for (size_t i = 0; i < filters.size(); ++i) {
        if (filters[i] == name) {
            return static_cast<int>(i);
        }
    }
    return -1;
}

void step(const std::vector<std::string>& args) {
    auto r = e2e::plugin(args);
    REQUIRE_MESSAGE(r.ok(), r.describe());
}

}  // namespace

TEST_CASE("oracle: HTTPS with two services on one host, stream, web and every --remove, as Istio builds them") {
    const std::string host = e2e::unique_name("oracle") + ".example.com";
    const std::string shop = e2e::create_namespace("oracle-shop");
    const std::string other = e2e::create_namespace("oracle-other");
    // Named http: expose makes it HTTP/2-aware with appProtocol: grpc.
    mesh_e2e::create_service(shop, "catalog", "  - {name: http, port: 9090}\n");
    // Two ports in another namespace: the route names the port.
    mesh_e2e::create_service(other, "echo", "  - {name: metrics, port: 9091}\n  - {name: api, port: 9000}\n");
    const std::string catalog = cluster_of("catalog", shop, 9090);
    const std::string echo = cluster_of("echo", other, 9000);
    const std::string origin = "https://app.example.com";
    const Owned owned{{shop, other}, host};
    const json calls = json::array({grpc_call("catalog", host, "/shop.Catalog/List"),
                                    grpc_call("echo", host, "/echo.Echo/Echo"),
                                    grpc_call("unknown host", "unknown-" + host, "/shop.Catalog/List"),
                                    grpc_call("unknown service", host, "/shop.Other/List")});

    e2e::TempDir ca_dir;
    step({"init", "--host", host});
    step({"tls", "--host", host, "--self-signed", "--ca-out", (ca_dir.path() / "ca.crt").string()});
    auto before = judge(calls, owned);
    expect_unrouted(before[0]);  // a server, no route yet

    step({"expose", "catalog", "-n", shop, "--host", host, "--grpc-service", "shop.Catalog"});
    step({"expose", "echo", "-n", other, "--host", host, "--port", "9000", "--grpc-service", "echo.Echo"});
    auto exposed = judge(calls, owned);
    expect_grpc(exposed[0], catalog);
    expect_grpc(exposed[1], echo);
    expect_unrouted(exposed[2]);
    expect_unrouted(exposed[3]);

    step({"stream", "--host", host});
    auto streamed = judge(calls, owned);
    expect_grpc(streamed[0], catalog);
    expect_grpc(streamed[1], echo);
    // stream's DestinationRule reaches the cluster: a TCP keepalive.
    CHECK_MESSAGE(streamed[0].value("tcpKeepalive", false), streamed[0].dump());

    step({"web", "--host", host, "--allow-origin", origin});
    const json web_calls = json::array({grpc_web_call(host, "/shop.Catalog/List", origin),
                                        preflight("preflight", host, "/shop.Catalog/List", origin),
                                        preflight("other origin", host, "/shop.Catalog/List", "https://evil.example.com"),
                                        grpc_call("catalog", host, "/shop.Catalog/List")});
    auto web = judge(web_calls, owned);
    {
        INFO(web[0].dump());
        CHECK(web[0].value("error", "") == "");
        CHECK(web[0].value("cluster", "") == catalog);
        const json& filters = web[0]["httpFilters"];
        const int grpc_web = index_of(filters, "envoy.filters.http.grpc_web");
        CHECK(grpc_web >= 0);
        CHECK(grpc_web < index_of(filters, "envoy.filters.http.router"));
        // Where Istio puts it on its own GRPC-WEB servers: before grpc_stats,
        // fault and cors.
        for (const char* later : {"envoy.filters.http.grpc_stats", "envoy.filters.http.fault", "envoy.filters.http.cors"}) {
            CHECK_MESSAGE(grpc_web < index_of(filters, later), later);
        }
    }
    {
        INFO(web[1].dump());
        REQUIRE(web[1].contains("cors"));
        CHECK(web[1]["cors"]["preflight"] == true);
        CHECK(web[1]["cors"]["originAllowed"] == true);
        CHECK(mesh_e2e::contains(web[1]["cors"].value("allowHeaders", ""), "x-grpc-web"));
        CHECK(mesh_e2e::contains(web[1]["cors"].value("exposeHeaders", ""), "grpc-status"));
    }
    {
        INFO(web[2].dump());
        REQUIRE(web[2].contains("cors"));
        CHECK(web[2]["cors"]["originAllowed"] == false);
    }
    expect_grpc(web[3], catalog);  // gRPC clients are unaffected

    step({"web", "--host", host, "--remove"});
    auto unweb = judge(web_calls, owned);
    CHECK_MESSAGE(!unweb[1].contains("cors"), unweb[1].dump());
    expect_grpc(unweb[3], catalog);

    step({"stream", "--host", host, "--remove"});
    step({"expose", "catalog", "-n", shop, "--host", host, "--remove"});
    auto one_left = judge(calls, owned);
    expect_unrouted(one_left[0]);
    expect_grpc(one_left[1], echo);

    step({"expose", "echo", "-n", other, "--host", host, "--remove"});
    step({"tls", "--host", host, "--remove"});
    step({"init", "--host", host, "--remove"});
    auto removed = judge(calls, owned);
    expect_unrouted(removed[0]);
    expect_unrouted(removed[1]);
}

TEST_CASE("oracle: h2c and HTTPS on one host reach the backend on both servers, and each --remove takes its server") {
    const std::string host = e2e::unique_name("oracle-h2c") + ".example.com";
    const std::string ns = e2e::create_namespace("oracle-h2c");
    mesh_e2e::create_service(ns, "greeter", "  - {name: grpc, port: 50051}\n");
    const std::string greeter = cluster_of("greeter", ns, 50051);
    const Owned owned{{ns}, host};
    const json calls = json::array({grpc_call("h2c", host, "/helloworld.Greeter/SayHello", false),
                                    grpc_call("tls", host, "/helloworld.Greeter/SayHello", true)});

    e2e::TempDir ca_dir;
    step({"init", "--host", host, "--https", "--plaintext"});
    step({"tls", "--host", host, "--self-signed", "--ca-out", (ca_dir.path() / "ca.crt").string()});
    step({"expose", "greeter", "-n", ns, "--host", host});
    auto both = judge(calls, owned);
    expect_grpc(both[0], greeter);
    expect_grpc(both[1], greeter);

    step({"init", "--host", host, "--plaintext", "--remove"});
    auto https_only = judge(calls, owned);
    expect_unrouted(https_only[0]);
    expect_grpc(https_only[1], greeter);

    step({"expose", "greeter", "-n", ns, "--host", host, "--remove"});
    step({"tls", "--host", host, "--remove"});
    step({"init", "--host", host, "--remove"});
    auto removed = judge(calls, owned);
    expect_unrouted(removed[1]);
}

TEST_CASE("oracle: a MUTUAL server routes gRPC to the backend") {
    const std::string host = e2e::unique_name("oracle-mtls") + ".example.com";
    const std::string ns = e2e::create_namespace("oracle-mtls");
    mesh_e2e::create_service(ns, "greeter", "  - {name: grpc, port: 50051}\n");
    e2e::TempDir dir;
    const auto [cert, key] = mesh_e2e::make_certificate(dir, host);
    const std::string ca = (dir.path() / "ca.crt").string();
    const Owned owned{{ns}, host};

    step({"init", "--host", host, "--client-ca", ca});
    step({"tls", "--host", host, "--cert", cert, "--key", key});
    step({"expose", "greeter", "-n", ns, "--host", host});
    auto mutual = judge(json::array({grpc_call("tls", host, "/helloworld.Greeter/SayHello")}), owned);
    expect_grpc(mutual[0], cluster_of("greeter", ns, 50051));

    step({"expose", "greeter", "-n", ns, "--host", host, "--remove"});
    step({"tls", "--host", host, "--remove"});
    step({"init", "--host", host, "--remove"});
}
