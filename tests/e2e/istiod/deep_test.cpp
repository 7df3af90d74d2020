// check --deep against a real istiod (controlplane.sh --istiod): what the
// stand-in gateway pods (the xdsclient peer) are sent for a host, verified hop
// by hop, and each fault the issue names caused for real in istiod: a NACK, a
// STALE type, another Istio version, a Secret deleted or replaced after `tls`,
// other teams' EnvoyFilters and VirtualServices, and the faults of --deep
// itself (a pod istiod does not know, no istiod, an unknown revision, istiod
// unreachable, refused or too slow). tests/unit/check/deep/deep_test.cpp
// covers the same codes over a captured dump.
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <memory>
#include <string>
#include <thread>

#include "harness.hpp"
#include "istiod/istiod_support.hpp"
#include "mesh_support.hpp"

using namespace istiod_e2e;
using namespace mesh_e2e;
using namespace std::chrono_literals;

namespace {

const std::string kSim1 = "istio-ingressgateway-sim-1";
const std::string kSim2 = "istio-ingressgateway-sim-2";

// A host with `init`, `tls` and `expose` of greeter (helloworld.Greeter) in
// a namespace of its own; returns that namespace.
std::string grpc_host(const e2e::TempDir& dir, const std::string& host,
                      const std::vector<std::vector<std::string>>& more = {}) {
    const std::string ns = e2e::create_namespace("deep");
    create_service(ns, "greeter", "  - {name: grpc, port: 50051}\n");
    const auto [cert, key] = make_certificate(dir, host);
    std::vector<std::vector<std::string>> steps{
        {"init", "--host", host},
        {"tls", "--host", host, "--cert", cert, "--key", key},
        {"expose", "greeter", "-n", ns, "--host", host, "--grpc-service", "helloworld.Greeter"}};
    steps.insert(steps.end(), more.begin(), more.end());
    for (const auto& args : steps) {
        auto r = e2e::plugin(args);
        REQUIRE_MESSAGE(r.ok(), r.describe());
    }
    return ns;
}

// The Gateway (namespace/name) `init` made for `host`.
std::string gateway_of(const std::string& host) {
    auto r = e2e::kubectl({"get", "gateways.networking.istio.io", "-A", "-o", "json"});
    REQUIRE_MESSAGE(r.ok(), r.describe());
    const json list = json::parse(r.out);
    for (const auto& gw : list["items"]) {
        for (const auto& server : gw["spec"].value("servers", json::array())) {
            for (const auto& h : server.value("hosts", json::array())) {
                const std::string entry = h;
                if (entry == host || entry.ends_with("/" + host)) {
                    return gw["metadata"]["namespace"].get<std::string>() + "/" + gw["metadata"]["name"].get<std::string>();
                }
            }
        }
    }
    FAIL("no Gateway serves " << host);
    return "";
}

// Waits until the wall clock is past the second `kind ns/name` was created
// in: istiod orders VirtualServices by creation time (seconds), then by name.
void after_creation_of(const std::string& kind, const std::string& ns, const std::string& name) {
    auto r = e2e::kubectl({"get", kind, "-n", ns, name, "-o", "jsonpath={.metadata.creationTimestamp}"});
    REQUIRE_MESSAGE(r.ok(), r.describe());
    std::tm tm{};
    REQUIRE(strptime(r.out.c_str(), "%Y-%m-%dT%H:%M:%SZ", &tm) != nullptr);
    const auto created = std::chrono::system_clock::from_time_t(timegm(&tm));
    while (std::chrono::system_clock::now() < created + 1s) {
        std::this_thread::sleep_for(50ms);
    }
}

std::string greeter_cluster(const std::string& ns) { return "outbound|50051||greeter." + ns + ".svc.cluster.local"; }

// The report's deep findings, for failure messages.
std::string deep_text(const json& report) {
    std::string out;
    for (const auto& c : deep_codes(report)) {
        out += "\n  " + c;
    }
    return out.empty() ? " none" : out;
}

size_t index_of(const json& list, const std::string& item) {
    for (size_t i = 0; i < list.size(); ++i) {
        if (list[i] == item) {
            return i;
        }
    }
    return list.size();
}

// A TLS Secret for `host` named NAME in istio-system, applied over what `tls` wrote.
void replace_secret(const e2e::TempDir& dir, const std::string& name, const std::string& host) {
    const auto [cert, key] = make_certificate(dir, host);
    auto yaml = e2e::kubectl({"create", "secret", "tls", name, "-n", "istio-system", "--cert", cert, "--key", key,
                              "--dry-run=client", "-o", "yaml"});
    REQUIRE_MESSAGE(yaml.ok(), yaml.describe());
    auto r = e2e::apply_yaml(yaml.out, {"--force-conflicts"});
    REQUIRE_MESSAGE(r.ok(), r.describe());
}

}  // namespace

TEST_CASE("check --deep: every hop of a working host as istiod sends it, then its Secret replaced and deleted") {
    const std::string host = e2e::unique_name("deep-ok") + ".example.com";
    e2e::TempDir dir;
    // The gateway pods' service account may read the Secrets of their
    // namespace, as Istio's gateway chart grants (istio-ingressgateway-sds):
    // istiod asks the API server before it serves a credentialName secret.
    auto rbac = e2e::apply_yaml(R"(apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: istio-ingressgateway-sds, namespace: istio-system}
rules:
- {apiGroups: [""], resources: [secrets], verbs: [get, watch, list]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: istio-ingressgateway-sds, namespace: istio-system}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: istio-ingressgateway-sds}
subjects:
- {kind: ServiceAccount, name: default, namespace: istio-system}
)");
    REQUIRE_MESSAGE(rbac.ok(), rbac.describe());
    // Over istiod's TLS port: istiod knows the pods' identity and serves them SDS.
    Gateway g1(dir, kSim1, {}, true);
    Gateway g2(dir, kSim2, {}, true);
    const std::string ns = grpc_host(dir, host,
                                     {{"web", "--host", host, "--allow-origin", "https://app.example.com"},
                                      {"stream", "--host", host}});
    const std::string monitoring = e2e::cluster("GRPCMESH_ISTIOD_MONITORING");

    // Once istiod has pushed everything: no deep finding on either pod.
    json report;
    bool clean = eventually([&]() -> std::optional<json> {
                     report = deep_check(host, {}, monitoring);
                     bool both = !host_entry(report, host, kSim1).empty() && !host_entry(report, host, kSim2).empty();
                     return both && deep_codes(report).empty() ? std::optional<json>(report) : std::nullopt;
                 }).has_value();
    REQUIRE_MESSAGE(clean, "check --deep never found the host whole on both pods; deep findings:" << deep_text(report));

    for (const auto& [pod, gateway] : {std::pair{kSim1, &g1}, std::pair{kSim2, &g2}}) {
        INFO("pod: ", pod);
        const json h = host_entry(report, host, pod);
        // Listener and filter chain for the host's SNI, on the port the
        // gateway Service maps 443 to.
        CHECK(h["serverNames"] == json::array({host}));
        CHECK(h["port"] == 8443);
        CHECK(h["listener"] == "0.0.0.0_8443");
        // What the stand-in itself received names the same route configuration.
        CHECK(chain_route(gateway->resources().value(kListener, json::object()), host) == h["routeConfig"].get<std::string>());
        // HTTP filters: grpc_web (web's EnvoyFilter), cors, the router last.
        const json& filters = h["httpFilters"];
        CHECK(index_of(filters, "envoy.filters.http.grpc_web") < index_of(filters, "envoy.filters.http.cors"));
        CHECK(index_of(filters, "envoy.filters.http.cors") < filters.size());
        CHECK(filters.back() == "envoy.filters.http.router");
        // The gRPC service's route: its cluster over HTTP/2, no route timeout,
        // the idle timeout `stream` wrote (24h), and a preflight finds CORS.
        REQUIRE(h["routes"].size() == 1);
        const json& r = h["routes"][0];
        CHECK(r["match"] == "prefix /helloworld.Greeter/");
        CHECK(r["cluster"] == greeter_cluster(ns));
        CHECK(r["http2"] == true);
        CHECK(r["timeout"] == "0s");
        CHECK(r["idleTimeout"] == "86400s");
        CHECK(r["preflightCors"] == true);
        // The credentialName secret, asked over SDS and delivered (no GM0112/GM0113).
        REQUIRE(h["sdsSecrets"].size() == 1);
        CHECK(h["sdsSecrets"][0].get<std::string>().rfind("kubernetes://", 0) == 0);
        // Sync state per type, and the versions.
        const json p = pod_entry(report, pod);
        for (const std::string type : {"LDS", "RDS", "CDS", "EDS", "SDS"}) {
            CHECK_MESSAGE(sync_of(p, type).value("state", "") == "SYNCED", type << ": " << p.dump());
        }
        CHECK(p["istioVersion"] == "1.31.0");
        CHECK(p["istiodVersion"].get<std::string>().rfind("1.31.", 0) == 0);
    }
    const std::string sds = host_entry(report, host, kSim1)["sdsSecrets"][0];
    const std::string secret = sds.substr(std::string("kubernetes://").size());

    // The Secret replaced by a certificate for another host: istiod sends it,
    // and it is not valid for the host.
    e2e::TempDir other;
    replace_secret(other, secret, "other.example.com");
    report = deep_until(host, "GM0117", {kSim1, kSim2}, {}, monitoring);
    REQUIRE_MESSAGE(findings(report, "GM0117", kSim1).size() == 1, deep_text(report));
    CHECK(contains(findings(report, "GM0117", kSim1)[0]["message"].get<std::string>(),
                   "names other.example.com in its subjectAltName, not the host"));

    // The Secret deleted after `tls`: istiod sends the pods no such secret.
    auto del = e2e::kubectl({"delete", "secret", secret, "-n", "istio-system"});
    REQUIRE_MESSAGE(del.ok(), del.describe());
    report = deep_until(host, "GM0112", {kSim1, kSim2}, {}, monitoring);
    REQUIRE_MESSAGE(findings(report, "GM0112", kSim1).size() == 1, deep_text(report));
    CHECK(contains(findings(report, "GM0112", kSim1)[0]["message"].get<std::string>(), "asks for SDS secret " + sds));
    CHECK(findings(report, "GM0117").empty());
}

TEST_CASE("check --deep: a NACK with istiod's error, a STALE type and another Istio version, as istiod records them") {
    const std::string host = e2e::unique_name("deep-sync") + ".example.com";
    e2e::TempDir dir;
    Gateway nacking(dir, kSim1, {"--nack", "rds"});
    Gateway stale(dir, kSim2, {"--stale", "rds", "--istio-version", "1.29.2"});
    grpc_host(dir, host);
    const std::string monitoring = e2e::cluster("GRPCMESH_ISTIOD_MONITORING");

    // Until istiod's pushes have settled: while a push of another type is on
    // its way, that type is STALE for a moment too (seen on a loaded machine).
    json report;
    eventually([&]() -> std::optional<json> {
        report = deep_check(host, {}, monitoring);
        bool all = findings(report, "GM0102", kSim1).size() == 1 && findings(report, "GM0103", kSim2).size() == 1 &&
                   findings(report, "GM0103", kSim1).empty() && !findings(report, "GM0116", kSim2).empty();
        return all ? std::optional<json>(report) : std::nullopt;
    });
    const auto nack = findings(report, "GM0102", kSim1);
    REQUIRE_MESSAGE(nack.size() == 1, deep_text(report));
    CHECK(contains(nack[0]["message"].get<std::string>(), "rejected (NACKed) the RDS configuration istiod sent"));
    CHECK(contains(nack[0]["message"].get<std::string>(), "as told by --nack"));
    REQUIRE_MESSAGE(findings(report, "GM0103", kSim2).size() == 1, deep_text(report));
    CHECK(contains(findings(report, "GM0103", kSim2)[0]["message"].get<std::string>(), "last RDS configuration"));
    REQUIRE_MESSAGE(findings(report, "GM0116", kSim2).size() == 1, deep_text(report));
    CHECK(contains(findings(report, "GM0116", kSim2)[0]["message"].get<std::string>(), "runs Istio \"1.29.2\""));
    CHECK(findings(report, "GM0116", kSim1).empty());

    const json p1 = pod_entry(report, kSim1), p2 = pod_entry(report, kSim2);
    CHECK(sync_of(p1, "RDS")["state"] == "NACK");
    CHECK(contains(sync_of(p1, "RDS").value("error", ""), "as told by --nack"));
    CHECK(sync_of(p1, "LDS")["state"] == "SYNCED");
    CHECK(sync_of(p2, "RDS")["state"] == "STALE");
    CHECK_FALSE(sync_of(p2, "RDS").contains("error"));
    CHECK(sync_of(p2, "CDS")["state"] == "SYNCED");
    CHECK(p2["istioVersion"] == "1.29.2");
}

TEST_CASE("check --deep: another team's older VirtualService shadows the route on the pods") {
    const std::string host = e2e::unique_name("deep-shadow") + ".example.com";
    e2e::TempDir dir;
    Gateway g1(dir, kSim1);
    Gateway g2(dir, kSim2);
    const std::string ns = e2e::create_namespace("deep");
    const std::string team_b = e2e::create_namespace("team-b");
    create_service(ns, "greeter", "  - {name: grpc, port: 50051}\n");
    create_service(team_b, "legacy", "  - {name: grpc, port: 8080}\n");
    const auto [cert, key] = make_certificate(dir, host);
    for (const auto& args : std::vector<std::vector<std::string>>{{"init", "--host", host},
                                                                  {"tls", "--host", host, "--cert", cert, "--key", key}}) {
        auto r = e2e::plugin(args);
        REQUIRE_MESSAGE(r.ok(), r.describe());
    }
    // Team B's VirtualService for the same host and Gateway, older than the
    // one `expose` writes, routes every /helloworld. call to its service.
    auto vs = e2e::apply_yaml("apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata:\n  name: legacy\n"
                              "  namespace: " + team_b + "\nspec:\n  hosts: [" + host + "]\n  gateways: [" +
                              gateway_of(host) + "]\n  http:\n  - match: [{uri: {prefix: /helloworld.}}]\n"
                              "    route: [{destination: {host: legacy." + team_b +
                              ".svc.cluster.local, port: {number: 8080}}}]\n");
    REQUIRE_MESSAGE(vs.ok(), vs.describe());
    after_creation_of("virtualservices.networking.istio.io", team_b, "legacy");
    auto r = e2e::plugin({"expose", "greeter", "-n", ns, "--host", host, "--grpc-service", "helloworld.Greeter"});
    REQUIRE_MESSAGE(r.ok(), r.describe());

    json report = deep_until(host, "GM0108", {kSim1, kSim2});
    for (const auto& pod : {kSim1, kSim2}) {
        const auto shadowed = findings(report, "GM0108", pod);
        REQUIRE_MESSAGE(shadowed.size() == 1, pod << ":" << deep_text(report));
        const std::string m = shadowed[0]["message"];
        CHECK(contains(m, "match a route of VirtualService " + team_b + "/legacy first"));
        CHECK(contains(m, "go to outbound|8080||legacy." + team_b + ".svc.cluster.local"));
        CHECK(contains(m, "not to " + greeter_cluster(ns)));
        // The route the pod really takes for the call.
        CHECK(host_entry(report, host, pod)["routes"][0]["cluster"] == "outbound|8080||legacy." + team_b + ".svc.cluster.local");
    }
}

TEST_CASE("check --deep: other teams' EnvoyFilters take grpc_web, cors, the route timeout, clusters and the chain away") {
    const std::string host = e2e::unique_name("deep-ef") + ".example.com";
    e2e::TempDir dir;
    Gateway g1(dir, kSim1);
    Gateway g2(dir, kSim2);
    const std::string ns = grpc_host(dir, host, {{"web", "--host", host, "--allow-origin", "https://app.example.com"}});
    create_service(ns, "echo", "  - {name: grpc, port: 7070}\n");
    auto echo = e2e::plugin({"expose", "echo", "-n", ns, "--host", host, "--grpc-service", "echo.Echo"});
    REQUIRE_MESSAGE(echo.ok(), echo.describe());
    auto stream = e2e::plugin({"stream", "--host", host});
    REQUIRE_MESSAGE(stream.ok(), stream.describe());
    json report;
    bool clean = eventually([&]() -> std::optional<json> {
                     report = deep_check(host);
                     const json h = host_entry(report, host, kSim2);
                     bool both = !host_entry(report, host, kSim1).empty() && h.value("routes", json::array()).size() == 2 &&
                                 !h["routes"][1].value("cluster", "").empty();
                     return both && deep_codes(report).size() == 2 ? std::optional<json>(report) : std::nullopt;
                 }).has_value();
    // Over the plaintext port istiod serves no secrets: GM0113, one per pod, is all.
    REQUIRE_MESSAGE(clean, "the host never came up whole; deep findings:" << deep_text(report));
    CHECK(findings(report, "GM0113").size() == 2);

    // Another team's EnvoyFilters in istio-system for the gateway pods, each
    // scoped to this host's filter chain, virtual host or clusters.
    const std::string sni = "{context: GATEWAY, listener: {filterChain: {sni: " + host +
                            ", filter: {name: envoy.filters.network.http_connection_manager, subFilter: {name: ";
    auto filter = [&](const std::string& name, const std::string& patches) {
        return "apiVersion: networking.istio.io/v1alpha3\nkind: EnvoyFilter\nmetadata:\n  name: " + name +
               "\n  namespace: istio-system\nspec:\n  workloadSelector: {labels: {istio: ingressgateway}}\n"
               "  configPatches:\n" + patches;
    };
    const std::string base = e2e::unique_name("team-c");
    const std::string echo_fqdn = "echo." + ns + ".svc.cluster.local";
    const std::string greeter_fqdn = "greeter." + ns + ".svc.cluster.local";
    const std::vector<std::pair<std::string, std::string>> filters = {
        // After web's own EnvoyFilter (priority 10), which inserts grpc_web.
        {base + "-no-grpc-web", "  - applyTo: HTTP_FILTER\n    match: " + sni + "envoy.filters.http.grpc_web}}}}}\n"
                                "    patch: {operation: REMOVE}\n  priority: 20\n"},
        {base + "-no-cors", "  - applyTo: HTTP_FILTER\n    match: " + sni + "envoy.filters.http.cors}}}}}\n"
                            "    patch: {operation: REMOVE}\n"},
        {base + "-timeout", "  - applyTo: HTTP_ROUTE\n    match: {context: GATEWAY, routeConfiguration: {vhost: {name: \"" +
                                host + ":443\"}}}\n    patch: {operation: MERGE, value: {route: {timeout: 15s}}}\n"},
        {base + "-no-echo", "  - applyTo: CLUSTER\n    match: {context: GATEWAY, cluster: {service: " + echo_fqdn +
                                "}}\n    patch: {operation: REMOVE}\n"},
        {base + "-idle", "  - applyTo: CLUSTER\n    match: {context: GATEWAY, cluster: {service: " + greeter_fqdn +
                             "}}\n    patch:\n      operation: MERGE\n      value:\n        typed_extension_protocol_options:\n"
                             "          envoy.extensions.upstreams.http.v3.HttpProtocolOptions:\n"
                             "            '@type': type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions\n"
                             "            common_http_protocol_options: {idle_timeout: 60s}\n"
                             "            explicit_http_config: {http2_protocol_options: {}}\n"},
    };
    std::vector<std::unique_ptr<Cleanup>> cleanups;
    for (const auto& [name, patches] : filters) {
        auto r = e2e::apply_yaml(filter(name, patches));
        REQUIRE_MESSAGE(r.ok(), r.describe());
        cleanups.emplace_back(new Cleanup{{"delete", "envoyfilter", "-n", "istio-system", name, "--ignore-not-found"}});
    }
    eventually([&]() -> std::optional<json> {
        report = deep_check(host);
        for (const std::string code : {"GM0105", "GM0114", "GM0109", "GM0110", "GM0115"}) {
            for (const auto& pod : {kSim1, kSim2}) {
                if (findings(report, code, pod).empty()) {
                    return std::nullopt;
                }
            }
        }
        return report;
    });
    INFO("deep findings:", deep_text(report));
    for (const auto& pod : {kSim1, kSim2}) {
        INFO("pod: ", pod);
        // The objects enable gRPC-Web; the pod's HTTP filters lack grpc_web.
        REQUIRE(findings(report, "GM0105", pod).size() == 1);
        CHECK(contains(findings(report, "GM0105", pod)[0]["message"].get<std::string>(),
                       "without envoy.filters.http.grpc_web before the router"));
        const json h = host_entry(report, host, pod);
        CHECK(index_of(h["httpFilters"], "envoy.filters.http.grpc_web") == h["httpFilters"].size());
        // web's corsPolicy is on the route, but no filter applies it.
        REQUIRE_FALSE(findings(report, "GM0114", pod).empty());
        CHECK(contains(findings(report, "GM0114", pod)[0]["message"].get<std::string>(),
                       "finds its CORS policy, but no envoy.filters.http.cors among the HTTP filters"));
        // A route timeout the objects do not set (on both routes).
        REQUIRE(findings(report, "GM0109", pod).size() == 2);
        CHECK(contains(findings(report, "GM0109", pod)[0]["message"].get<std::string>(), "has timeout 15s"));
        // The echo route names a cluster the pod does not get.
        REQUIRE(findings(report, "GM0110", pod).size() == 1);
        CHECK(contains(findings(report, "GM0110", pod)[0]["message"].get<std::string>(),
                       "no cluster outbound|7070||" + echo_fqdn));
        // greeter's cluster closes idle connections after 60s, not `stream`'s 24h.
        REQUIRE(findings(report, "GM0115", pod).size() == 1);
        CHECK(contains(findings(report, "GM0115", pod)[0]["message"].get<std::string>(),
                       "has upstream idle timeout \"60s\", while DestinationRule"));
    }

    // One more that removes the host's filter chain: nothing is left to route.
    auto chain = e2e::apply_yaml(filter(base + "-no-chain", "  - applyTo: FILTER_CHAIN\n    match: {context: GATEWAY, listener: "
                                                            "{filterChain: {sni: " + host + "}}}\n    patch: {operation: REMOVE}\n"));
    REQUIRE_MESSAGE(chain.ok(), chain.describe());
    Cleanup chain_cleanup{{"delete", "envoyfilter", "-n", "istio-system", base + "-no-chain", "--ignore-not-found"}};
    report = deep_until(host, "GM0104", {kSim1, kSim2});
    for (const auto& pod : {kSim1, kSim2}) {
        REQUIRE_MESSAGE(findings(report, "GM0104", pod).size() == 1, deep_text(report));
        CHECK(contains(findings(report, "GM0104", pod)[0]["message"].get<std::string>(),
                       "no filter chain for " + host + " on port 443"));
    }
}

TEST_CASE("check --deep: a pod istiod does not know, and one clear line when istiod cannot be asked") {
    const std::string host = e2e::unique_name("deep-faults") + ".example.com";
    e2e::TempDir dir;
    Gateway g1(dir, kSim1);  // sim-2 stays away from istiod
    grpc_host(dir, host);
    json report = deep_until(host, "GM0101", {kSim2});
    REQUIRE_MESSAGE(findings(report, "GM0101", kSim2).size() == 1, deep_text(report));
    CHECK(contains(findings(report, "GM0101", kSim2)[0]["message"].get<std::string>(),
                   "gateway pod " + kSim2 + ".istio-system is not connected to istiod"));
    CHECK(findings(report, "GM0101", kSim1).empty());
    CHECK_FALSE(pod_entry(report, kSim2)["connected"].get<bool>());

    auto one_line_failure = [](const e2e::Result& r, const std::string& part) {
        CHECK_MESSAGE(r.exit_code == 1, r.describe());
        CHECK_MESSAGE(contains(r.err, part), r.describe());
        CHECK_MESSAGE(std::count(r.err.begin(), r.err.end(), '\n') == 1, r.describe());
        CHECK(r.out.empty());
    };
    const std::vector<std::string> check{"check", "-A", "--host", host, "--deep"};
    auto with = [&](std::vector<std::string> extra) {
        std::vector<std::string> a = check;
        a.insert(a.end(), extra.begin(), extra.end());
        return a;
    };

    SUBCASE("a revision that does not exist") {
        one_line_failure(e2e::plugin(with({"--revision", "canary"})),
                         "no running istiod of revision \"canary\" in namespace istio-system");
    }
    SUBCASE("no istiod in the namespace") {
        const std::string empty = e2e::create_namespace("no-istio");
        one_line_failure(e2e::plugin(with({"--istio-namespace", empty})), "no running istiod in namespace " + empty);
    }
    SUBCASE("istiod unreachable") {
        // A port nothing listens on: bound, then closed again.
        auto port = e2e::run({"python3", "-c", "import socket; s=socket.socket(); s.bind(('127.0.0.1',0)); "
                                               "print(s.getsockname()[1])"});
        REQUIRE_MESSAGE(port.ok(), port.describe());
        const std::string address = "127.0.0.1:" + port.out.substr(0, port.out.find('\n'));
        one_line_failure(e2e::plugin(with({"--istiod-address", address})), "cannot reach istiod at " + address);
    }
    SUBCASE("the API server refuses the proxy to istiod (RBAC)") {
        // An istiod pod the viewer may list but not proxy to (pods/proxy).
        const std::string istio_ns = e2e::create_namespace("istio-rbac");
        auto pod = e2e::apply_yaml("apiVersion: v1\nkind: Pod\nmetadata:\n  name: istiod-1\n  namespace: " + istio_ns +
                                   "\n  labels: {app: istiod, istio.io/rev: default}\nspec:\n  nodeName: grpcmesh-sim-node\n"
                                   "  containers: [{name: discovery, image: docker.io/istio/pilot:1.31.0}]\n");
        REQUIRE_MESSAGE(pod.ok(), pod.describe());
        auto status = e2e::kubectl({"patch", "-n", istio_ns, "pod", "istiod-1", "--subresource=status", "--type=merge", "-p",
                                    R"({"status":{"phase":"Running","podIP":"10.244.0.2","podIPs":[{"ip":"10.244.0.2"}]}})"});
        REQUIRE_MESSAGE(status.ok(), status.describe());
        auto r = e2e::plugin(with({"--istio-namespace", istio_ns}),
                             e2e::RunOptions{.env = {{"KUBECONFIG", e2e::cluster("GRPCMESH_VIEWER_KUBECONFIG")}}});
        one_line_failure(r, "the API server refused the proxy to istiod pod " + istio_ns + "/istiod-1 (403)");
        CHECK(contains(r.err, "grant \"get\" on pods/proxy in namespace " + istio_ns));
    }
    SUBCASE("--request-timeout ends a pod's dump that istiod does not send") {
        // istiod behind a proxy that passes /debug/syncz and /version on and
        // never answers /debug/config_dump: the check ends at the timeout.
        e2e::Background slow({"python3", "-c", R"(
import http.server, os, sys, threading, time, urllib.request
upstream = sys.argv[1]
parent = os.getppid()
def orphaned():  # stop when the test is gone, whatever way it ended
    while os.getppid() == parent:
        time.sleep(0.2)
    os._exit(0)
threading.Thread(target=orphaned, daemon=True).start()
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path.startswith('/debug/config_dump'):
            time.sleep(300)
            return
        with urllib.request.urlopen('http://' + upstream + self.path, timeout=10) as r:
            body = r.read()
            self.send_response(r.status)
        self.send_header('Content-Type', 'application/json')
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a):
        pass
s = http.server.ThreadingHTTPServer(('127.0.0.1', 0), H)
s.daemon_threads = True
print('port', s.server_address[1], flush=True)
s.serve_forever()
)", e2e::cluster("GRPCMESH_ISTIOD_MONITORING")});
        const std::string line = slow.wait_for_line("port ", 30s);
        const std::string address = "127.0.0.1:" + line.substr(5);
        const auto start = std::chrono::steady_clock::now();
        auto r = e2e::plugin(with({"--istiod-address", address, "--request-timeout", "2s"}));
        const auto took = std::chrono::steady_clock::now() - start;
        one_line_failure(r, "cannot reach istiod at " + address);
        CHECK_MESSAGE(took < 30s, "check --deep took " << std::chrono::duration_cast<std::chrono::seconds>(took).count()
                                                       << "s with --request-timeout 2s");
    }
}

TEST_CASE("check --deep: a filter after the router, the host's routes and virtual host taken away, a cluster not HTTP/2") {
    // Each fault is another team's EnvoyFilter for the gateway pods while the
    // objects of the host stay right: only the live configuration shows it.
    const std::string host = e2e::unique_name("deep-hops") + ".example.com";
    e2e::TempDir dir;
    Gateway g1(dir, kSim1);
    Gateway g2(dir, kSim2);
    const std::string ns = grpc_host(dir, host);
    json report;
    bool clean = eventually([&]() -> std::optional<json> {
                     report = deep_check(host);
                     bool both = !host_entry(report, host, kSim1).value("routes", json::array()).empty() &&
                                 !host_entry(report, host, kSim2).value("routes", json::array()).empty();
                     // Over the plaintext port istiod serves no secrets: GM0113, one per pod, is all.
                     return both && deep_codes(report).size() == 2 ? std::optional<json>(report) : std::nullopt;
                 }).has_value();
    REQUIRE_MESSAGE(clean, "the host never came up whole; deep findings:" << deep_text(report));
    const std::string base = e2e::unique_name("team-d");
    auto filter = [&](const std::string& name, const std::string& patches) {
        auto r = e2e::apply_yaml("apiVersion: networking.istio.io/v1alpha3\nkind: EnvoyFilter\nmetadata:\n  name: " + name +
                                 "\n  namespace: istio-system\nspec:\n  workloadSelector: {labels: {istio: ingressgateway}}\n"
                                 "  configPatches:\n" + patches);
        REQUIRE_MESSAGE(r.ok(), r.describe());
        // (Not make_unique of a temporary: Cleanup has no move, so the
        // temporary's copy would delete the filter at once.)
        return std::unique_ptr<Cleanup>(new Cleanup{{"delete", "envoyfilter", "-n", "istio-system", name, "--ignore-not-found"}});
    };
    auto message = [&](const std::string& code, const std::string& pod) {
        const auto found = findings(report, code, pod);
        REQUIRE_MESSAGE(found.size() == 1, pod << ":" << deep_text(report));
        return found[0]["message"].get<std::string>();
    };

    SUBCASE("GM0106: filters inserted after the router, and added (ADD appends)") {
        const std::string hcm = "    match: {context: GATEWAY, listener: {filterChain: {sni: " + host +
                                ", filter: {name: envoy.filters.network.http_connection_manager, subFilter: {name: "
                                "envoy.filters.http.router}}}}}\n";
        auto cleanup = filter(base + "-after-router",
                              "  - applyTo: HTTP_FILTER\n" + hcm +
                                  "    patch: {operation: INSERT_AFTER, value: {name: envoy.filters.http.grpc_stats}}\n"
                                  "  - applyTo: HTTP_FILTER\n" + hcm +
                                  "    patch: {operation: ADD, value: {name: envoy.filters.http.buffer}}\n");
        report = deep_until(host, "GM0106", {kSim1, kSim2});
        for (const auto& pod : {kSim1, kSim2}) {
            INFO("pod: ", pod);
            CHECK(contains(message("GM0106", pod), "envoy.filters.http.router is not the last one"));
            const json filters = host_entry(report, host, pod)["httpFilters"];
            REQUIRE(filters.size() >= 3);
            CHECK(filters[filters.size() - 3] == "envoy.filters.http.router");
            CHECK(filters[filters.size() - 2] == "envoy.filters.http.grpc_stats");
            CHECK(filters.back() == "envoy.filters.http.buffer");
        }
        // Nothing else is wrong with the host.
        CHECK(findings(report, "GM0107").empty());
        CHECK(findings(report, "GM0111").empty());
    }
    SUBCASE("GM0107: the host's routes removed, then its virtual host") {
        {
            auto cleanup = filter(base + "-no-routes",
                                  "  - applyTo: HTTP_ROUTE\n    match: {context: GATEWAY, routeConfiguration: {vhost: {name: \"" +
                                      host + ":443\"}}}\n    patch: {operation: REMOVE}\n");
            report = deep_until(host, "GM0107", {kSim1, kSim2});
            for (const auto& pod : {kSim1, kSim2}) {
                INFO("pod: ", pod);
                const std::string m = message("GM0107", pod);
                CHECK(contains(m, "no route for " + host + " prefix /helloworld.Greeter/"));
                CHECK(contains(m, "no route of virtual host " + host + ":443 matches it"));
                CHECK(contains(m, "the objects route it (VirtualService "));
                CHECK(host_entry(report, host, pod)["routes"][0]["cluster"] == "");
            }
        }
        auto cleanup = filter(base + "-no-vhost",
                              "  - applyTo: VIRTUAL_HOST\n    match: {context: GATEWAY, routeConfiguration: {vhost: {name: \"" +
                                  host + ":443\"}}}\n    patch: {operation: REMOVE}\n");
        eventually([&]() -> std::optional<json> {
            report = deep_check(host);
            for (const auto& pod : {kSim1, kSim2}) {
                auto f = findings(report, "GM0107", pod);
                if (f.size() != 1 || !contains(f[0]["message"].get<std::string>(), "has no virtual host for the host")) {
                    return std::nullopt;
                }
            }
            return report;
        });
        for (const auto& pod : {kSim1, kSim2}) {
            INFO("pod: ", pod);
            const std::string m = message("GM0107", pod);
            CHECK(contains(m, "route configuration " + host_entry(report, host, pod)["routeConfig"].get<std::string>() +
                                  " has no virtual host for the host"));
            CHECK(host_entry(report, host, pod)["virtualHost"] == "");
        }
    }
    SUBCASE("GM0111: the backend's cluster patched to HTTP/1.1") {
        const std::string fqdn = "greeter." + ns + ".svc.cluster.local";
        auto cleanup = filter(base + "-http1",
                              "  - applyTo: CLUSTER\n    match: {context: GATEWAY, cluster: {service: " + fqdn +
                                  "}}\n    patch:\n      operation: MERGE\n      value:\n        typed_extension_protocol_options:\n"
                                  "          envoy.extensions.upstreams.http.v3.HttpProtocolOptions:\n"
                                  "            '@type': type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions\n"
                                  "            explicit_http_config: {http_protocol_options: {}}\n");
        report = deep_until(host, "GM0111", {kSim1, kSim2});
        for (const auto& pod : {kSim1, kSim2}) {
            INFO("pod: ", pod);
            const std::string m = message("GM0111", pod);
            CHECK(contains(m, "cluster " + greeter_cluster(ns) + " (route for " + host +
                                  " prefix /helloworld.Greeter/) does not speak HTTP/2 upstream"));
            const json route = host_entry(report, host, pod)["routes"][0];
            CHECK(route["cluster"] == greeter_cluster(ns));
            CHECK(route["http2"] == false);
        }
        // The objects alone find nothing wrong with the backend's protocol
        // (GM0004 to GM0006): only the live configuration says it.
        for (const std::string code : {"GM0004", "GM0005", "GM0006"}) {
            CHECK_MESSAGE(findings(report, code).empty(), code);
        }
    }
}

TEST_CASE("check --deep: a progress line on a terminal while istiod is read, erased before the report, none in a pipe") {
    if (!e2e::run({"sh", "-c", "command -v script"}).ok()) {
        MESSAGE("script(1) is not installed; cannot test on a pseudo-terminal");
        return;
    }
    const std::string host = e2e::unique_name("deep-progress") + ".example.com";
    e2e::TempDir dir;
    Gateway g1(dir, kSim1);
    grpc_host(dir, host);
    const std::string args = "check -A --host " + host + " --deep --istiod-address " +
                             e2e::cluster("GRPCMESH_ISTIOD_HTTP") + " --fail-on none";
    // On a pseudo-terminal (util-linux script): stdout and stderr both on it.
    e2e::RunOptions tty;
    tty.env = e2e::cluster_child_env();
    tty.env["TERM"] = "xterm";
    auto r = e2e::run({"script", "-qec", e2e::plugin_path().string() + " " + args, "/dev/null"}, tty);
    REQUIRE_MESSAGE(r.ok(), r.describe());
    const std::string& screen = r.out;
    const size_t line = screen.find("\r| check --deep: reading istiod: ");
    CHECK_MESSAGE(line != std::string::npos, screen.substr(0, 2000));
    // Erased before the report is printed, and never drawn again after it.
    const size_t report_at = screen.find("What istiod (");
    REQUIRE_MESSAGE(report_at != std::string::npos, screen.substr(0, 2000));
    const size_t erased = screen.rfind("\r\x1b[K", report_at);
    CHECK(erased != std::string::npos);
    CHECK(erased > line);
    CHECK(screen.find("reading istiod", report_at) == std::string::npos);
    // In a pipe: no progress, no carriage return, no escape code.
    auto piped = e2e::plugin({"check", "-A", "--host", host, "--deep", "--istiod-address",
                              e2e::cluster("GRPCMESH_ISTIOD_HTTP"), "--fail-on", "none"});
    REQUIRE_MESSAGE(piped.ok(), piped.describe());
    CHECK(contains(piped.out, "What istiod ("));
    CHECK(piped.err.find('\r') == std::string::npos);
    CHECK(piped.err.find('\x1b') == std::string::npos);
    CHECK_FALSE(contains(piped.err, "reading istiod"));
    // TERM=dumb on a terminal: no progress line either.
    tty.env["TERM"] = "dumb";
    auto dumb = e2e::run({"script", "-qec", e2e::plugin_path().string() + " " + args, "/dev/null"}, tty);
    REQUIRE_MESSAGE(dumb.ok(), dumb.describe());
    CHECK_FALSE(contains(dumb.out, "reading istiod"));
}
