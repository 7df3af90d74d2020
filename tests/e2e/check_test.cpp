// `kubectl grpcmesh check` against the real control plane: broken states made
// with kubectl are found live, the narrow-RBAC user gets skipped analyzers
// (not false passes), files overlay the cluster, bad connections fail, and
// codes shared with `istioctl analyze` flag the same resources as istioctl.
#include <doctest/doctest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "harness.hpp"

using e2e::cluster;
using e2e::Result;
using nlohmann::json;

namespace {

std::string fixture(const std::string& name) {
    return (e2e::source_dir() / "tests/testdata/check" / name).string();
}

// "CODE Kind ns/name" of each finding of `check -o json`.
std::set<std::string> findings(const Result& r) {
    std::set<std::string> out;
    json doc = json::parse(r.out);
    for (const auto& f : doc.at("findings")) {
        const auto& res = f.at("resource");
        out.insert(f.at("code").get<std::string>() + " " + res.at("kind").get<std::string>() + " " +
                   res.at("namespace").get<std::string>() + "/" + res.at("name").get<std::string>());
    }
    return out;
}

std::set<std::string> skipped(const Result& r) {
    std::set<std::string> out;
    const json doc = json::parse(r.out);  // (a temporary would die before the loop)
    for (const auto& s : doc.at("skipped")) {
        out.insert(s.at("analyzer").get<std::string>() + ": " + s.at("reason").get<std::string>());
    }
    return out;
}

// One broken state per analyzer family, in a fresh namespace.
std::string broken_state(const std::string& ns, const std::string& host) {
    return "apiVersion: v1\nkind: Service\nmetadata: {name: greeter, namespace: " + ns + "}\n"
           "spec:\n  selector: {app: greeter}\n  ports:\n  - {name: web, port: 50051}\n"
           "---\napiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\n"
           "metadata:\n  name: greeter-1\n  namespace: " + ns + "\n  labels: {kubernetes.io/service-name: greeter}\n"
           "addressType: IPv4\nendpoints:\n- addresses: [10.0.0.5]\n  conditions: {ready: false}\n"
           "---\napiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {name: grpc-gateway, namespace: " + ns + "}\n"
           "spec:\n  selector: {istio: ingressgateway}\n  servers:\n"
           "  - port: {number: 443, name: https, protocol: HTTPS}\n    hosts: [" + host + "]\n"
           "    tls: {mode: SIMPLE, credentialName: " + ns + "-cert}\n"
           "---\napiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: greeter, namespace: " + ns + "}\n"
           "spec:\n  hosts: [" + host + "]\n  gateways: [grpc-gateway]\n  http:\n"
           "  - match:\n    - uri: {prefix: /helloworld.Greeter}\n"
           "    route:\n    - destination: {host: greeter, port: {number: 50051}}\n"
           "---\napiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: greeter, namespace: " + ns + "}\n"
           // (for another host: an UPGRADE policy on greeter would fix GM0006)
           "spec:\n  host: greeter-legacy\n  trafficPolicy:\n    connectionPool:\n"
           "      http: {h2UpgradePolicy: UPGRADE, useClientProtocol: true}\n"
           "---\napiVersion: networking.istio.io/v1alpha3\nkind: EnvoyFilter\nmetadata: {name: grpc-web, namespace: " + ns + "}\n"
           "spec:\n  workloadSelector:\n    labels: {istio: ingressgateway}\n  configPatches:\n"
           "  - applyTo: HTTP_FILTER\n    match: {context: GATEWAY}\n"
           "    patch:\n      operation: INSERT_BEFORE\n      value: {name: envoy.filters.http.grpc_web}\n";
}

}  // namespace

TEST_SUITE("check") {
    TEST_CASE("broken states created with kubectl are found live, one per analyzer family") {
        std::string ns = e2e::create_namespace("check");
        std::string host = ns + ".example.com";
        Result applied = e2e::apply_yaml(broken_state(ns, host));
        REQUIRE_MESSAGE(applied.ok(), applied.describe());

        Result r = e2e::plugin({"check", "-n", ns, "-o", "json"});
        CHECK_MESSAGE(r.exit_code == 3, r.describe());
        std::set<std::string> expected = {
            "GM0006 VirtualService " + ns + "/greeter",  // port "web": HTTP/1.1 upstream
            "GM0012 VirtualService " + ns + "/greeter",  // prefix without trailing /
            "GM0022 Gateway " + ns + "/grpc-gateway",    // no secret in istio-system
            "GM0030 Service " + ns + "/greeter",         // no ready endpoint
            "GM0034 DestinationRule " + ns + "/greeter", // UPGRADE + useClientProtocol
            "GM0037 EnvoyFilter " + ns + "/grpc-web",    // not in the gateway's namespace
        };
        CHECK(findings(r) == expected);

        // The human report draws the host's path with the broken hops.
        Result human = e2e::plugin({"check", "-n", ns, "--host", host});
        CHECK(human.exit_code == 3);
        CHECK(human.out.find(host + "\n  client\n  └─ load balancer: istio-system/istio-ingressgateway LoadBalancer") !=
              std::string::npos);
        CHECK(human.out.find("└─ service port: " + ns + "/greeter:50051 TCP  BROKEN") != std::string::npos);
        CHECK(human.out.find("└─ endpoints: " + ns + "/greeter: 0 of 1 ready  BROKEN") != std::string::npos);
        CHECK(human.out.find('\x1b') == std::string::npos);  // not a terminal: no colour
    }

    TEST_CASE("--host without -n follows the host into every namespace, as init and expose lay it out") {
        std::string ns = e2e::create_namespace("checkhost");
        std::string host = ns + ".example.com";
        Result svc = e2e::kubectl({"create", "service", "clusterip", "greeter", "--tcp=50051:50051", "-n", ns});
        REQUIRE_MESSAGE(svc.ok(), svc.describe());
        Result init = e2e::plugin({"init", "--host", host});
        REQUIRE_MESSAGE(init.ok(), init.describe());
        Result expose = e2e::plugin({"expose", "greeter", "-n", ns, "--host", host});
        REQUIRE_MESSAGE(expose.ok(), expose.describe());

        // The Gateway and VirtualService are in istio-system, the Service in ns,
        // and the current namespace is neither: the Service's missing endpoints
        // are still found.
        Result r = e2e::plugin({"check", "--host", host, "-o", "json"});
        CHECK_MESSAGE(r.exit_code == 3, r.describe());
        CHECK(findings(r).count("GM0030 Service " + ns + "/greeter") == 1);

        Result unexpose = e2e::plugin({"expose", "greeter", "-n", ns, "--host", host, "--remove"});
        CHECK_MESSAGE(unexpose.ok(), unexpose.describe());
        Result uninit = e2e::plugin({"init", "--host", host, "--remove"});
        CHECK_MESSAGE(uninit.ok(), uninit.describe());
    }

    TEST_CASE("the narrow-RBAC user gets skipped analyzers, not false passes") {
        std::string ns = e2e::create_namespace("check-rbac");
        REQUIRE(e2e::apply_yaml(broken_state(ns, ns + ".example.com")).ok());
        Result r = e2e::plugin({"--kubeconfig", cluster("GRPCMESH_VIEWER_KUBECONFIG"), "check", "-n", ns, "-o", "json"});
        CHECK_MESSAGE(r.exit_code == 3, r.describe());
        auto s = skipped(r);
        bool credential = false;
        bool certificate = false;
        for (const auto& line : s) {
            credential = credential || (line.rfind("gateway_credential: forbidden: ", 0) == 0);
            certificate = certificate || (line.rfind("gateway_certificate: forbidden: ", 0) == 0);
        }
        CHECK_MESSAGE(credential, r.out);
        CHECK_MESSAGE(certificate, r.out);
        // The missing secret cannot be judged without reading secrets.
        CHECK(findings(r).count("GM0022 Gateway " + ns + "/grpc-gateway") == 0);
        CHECK(findings(r).count("GM0006 VirtualService " + ns + "/greeter") == 1);

        // The human report draws them on the hop they would have checked: the
        // gateway server, which is therefore not called OK.
        Result human = e2e::plugin({"--kubeconfig", cluster("GRPCMESH_VIEWER_KUBECONFIG"), "check", "-n", ns});
        CHECK_MESSAGE(human.exit_code == 3, human.describe());
        auto server = human.out.find("└─ gateway server: " + ns + "/grpc-gateway :443 HTTPS");
        REQUIRE_MESSAGE(server != std::string::npos, human.out);
        auto line_end = human.out.find('\n', server);
        CHECK(human.out.substr(server, line_end - server).find("  OK") == std::string::npos);
        auto next_hop = human.out.find("└─ route: ", line_end);
        REQUIRE_MESSAGE(next_hop != std::string::npos, human.out);
        std::string under_server = human.out.substr(line_end, next_hop - line_end);
        CHECK_MESSAGE(under_server.find("skipped gateway_credential: forbidden: ") != std::string::npos, human.out);
        CHECK_MESSAGE(under_server.find("skipped gateway_certificate: forbidden: ") != std::string::npos, human.out);
    }

    TEST_CASE("files overlay the cluster: a timeout of 0s the API server refuses is reported before applying") {
        std::string ns = e2e::create_namespace("check-overlay");
        std::string host = ns + ".example.com";
        REQUIRE(e2e::apply_yaml(broken_state(ns, host)).ok());
        std::string vs = "apiVersion: networking.istio.io/v1\nkind: VirtualService\n"
                         "metadata: {name: greeter, namespace: " + ns + "}\n"
                         "spec:\n  hosts: [" + host + "]\n  gateways: [grpc-gateway]\n  http:\n"
                         "  - match:\n    - uri: {prefix: /helloworld.Greeter/}\n    timeout: 0s\n"
                         "    route:\n    - destination: {host: greeter, port: {number: 50051}}\n";
        // The CRD's CEL rule refuses it (Istio requires >= 1ms) ...
        Result refused = e2e::apply_yaml(vs);
        CHECK_FALSE(refused.ok());
        CHECK(refused.err.find("1ms") != std::string::npos);
        // ... and check says so from the file, laid over the live objects.
        e2e::TempDir dir;
        auto file = dir.write("route.yaml", vs);
        Result r = e2e::plugin({"check", "-n", ns, "-f", file.string(), "-o", "json"});
        CHECK(r.exit_code == 3);
        auto f = findings(r);
        CHECK(f.count("GM0032 VirtualService " + ns + "/greeter") == 1);
        CHECK(f.count("GM0012 VirtualService " + ns + "/greeter") == 0);  // the file's prefix replaced the live one
        CHECK(f.count("GM0030 Service " + ns + "/greeter") == 1);         // still from the cluster
    }

    TEST_CASE("an unreachable cluster is an error, never a silent offline check") {
        Result r = e2e::plugin({"--server", "https://127.0.0.1:1", "--insecure-skip-tls-verify", "check", "-f",
                                fixture("ok-https")});
        CHECK(r.exit_code == 1);
        CHECK(r.out.empty());
        CHECK(r.err.rfind("error: ", 0) == 0);
        CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
    }

    TEST_CASE("without any kubeconfig the files are the whole input, --offline never contacts a cluster") {
        e2e::TempDir home;
        e2e::RunOptions no_cluster;
        no_cluster.env = {{"HOME", home.path().string()}};
        no_cluster.unset = {"KUBECONFIG", "KUBERNETES_SERVICE_HOST"};
        Result r = e2e::run({e2e::plugin_path().string(), "check", "-f", fixture("gm0006-backend-http1"), "-o", "json"},
                            no_cluster);
        CHECK_MESSAGE(r.exit_code == 3, r.describe());
        // On the wall clock: the fixtures' valid certificates stay valid for
        // ten years past the unit tests' fixed date (generate.py, LONG).
        CHECK(findings(r) == std::set<std::string>{"GM0006 VirtualService default/greeter"});

        Result offline = e2e::plugin({"--server", "https://127.0.0.1:1", "check", "--offline", "-f", fixture("ok-https")});
        CHECK_MESSAGE(offline.exit_code == 0, offline.describe());
        Result nothing = e2e::run({e2e::plugin_path().string(), "check"}, no_cluster);
        CHECK(nothing.exit_code == 2);
    }

    TEST_CASE("bad input: unparsable YAML names file and line, empty input and unknown kinds are clear") {
        e2e::TempDir dir;
        auto bad = dir.write("bad.yaml", "apiVersion: v1\nkind: Service\nmetadata: {name: [x\n");
        Result r = e2e::plugin({"check", "--offline", "-f", bad.string()});
        CHECK(r.exit_code == 1);
        CHECK(r.err.rfind("error: " + bad.string() + ":", 0) == 0);
        auto empty = dir.write("empty/none.yaml", "# nothing\n");
        r = e2e::plugin({"check", "--offline", "-f", empty.parent_path().string()});
        CHECK(r.exit_code == 1);
        CHECK(r.err.find("no Kubernetes objects found") != std::string::npos);
        r = e2e::plugin({"check", "--offline", "-f", fixture("gm0001-unknown-kind"), "-o", "json"});
        CHECK(r.exit_code == 0);  // infos only
        CHECK(findings(r).count("GM0001 ConfigMap default/settings") == 1);
        r = e2e::plugin({"check", "--offline", "-f", fixture("ok-https"), "-o", "table"});
        CHECK(r.exit_code == 2);
    }

    TEST_CASE("kubectl finds the plugin and passes check its arguments") {
        e2e::PluginPath path;
        Result r = path.kubectl({"grpcmesh", "check", "--offline", "-f", fixture("gm0010-port-required"), "-o", "sarif"});
        CHECK_MESSAGE(r.exit_code == 3, r.describe());
        json sarif = json::parse(r.out);
        CHECK(sarif.at("version") == "2.1.0");
        CHECK(sarif.at("runs")[0].at("results")[0].at("ruleId") == "GM0010");
    }

    // Parity with `istioctl analyze --use-kube=false`: for every code that
    // istioctl also reports from files alone, both flag the same resource.
    // (istioctl skips its gateway, secret and destination-host analyzers
    // without a cluster; those codes are compared live below.)
    TEST_CASE("parity with istioctl analyze on the same fixture files") {
        struct Row {
            const char* fixture;
            const char* resource;  // "Kind ns/name"
            const char* istio_code;
        };
        const Row rows[] = {
            {"gm0008-gateway-missing", "VirtualService default/greeter", "IST0101"},
            {"gm0013-unreachable-rule", "VirtualService default/greeter", "IST0130"},
            {"gm0014-host-not-on-gateway", "VirtualService default/greeter", "IST0132"},
            {"gm0018-tls-on-plaintext", "Gateway default/grpc-gateway", "IST0106"},
            {"gm0032-timeout-zero", "VirtualService default/greeter", "IST0106"},
            {"gm0034-h2-upgrade-conflict", "DestinationRule default/greeter", "IST0106"},
            {"gm0021-duplicate-certificate", "Gateway default/grpc-gateway", "IST0138"},
            {"gm0021-duplicate-certificate", "Gateway default/admin-gateway", "IST0138"},
        };
        for (const Row& row : rows) {
            const std::string label = std::string("fixture ") + row.fixture + ", " + row.istio_code + " on " + row.resource;
            INFO(label);
            Result istio = e2e::istioctl({"analyze", "--use-kube=false", "-o", "json", fixture(row.fixture)});
            std::set<std::string> flagged_by_istio;
            for (const auto& m : json::parse(istio.out)) {
                flagged_by_istio.insert(m.at("code").get<std::string>() + " " + m.at("origin").get<std::string>());
            }
            CHECK(flagged_by_istio.count(std::string(row.istio_code) + " " + row.resource) == 1);

            Result ours = e2e::plugin({"check", "--offline", "-f", fixture(row.fixture), "-o", "json"});
            INFO(ours.describe());
            std::set<std::string> flagged_by_us;
            const json doc = json::parse(ours.out);
            for (const auto& f : doc.at("findings")) {
                const auto& res = f.at("resource");
                flagged_by_us.insert(f.at("istioCode").get<std::string>() + " " + res.at("kind").get<std::string>() + " " +
                                     res.at("namespace").get<std::string>() + "/" + res.at("name").get<std::string>());
            }
            CHECK(flagged_by_us.count(std::string(row.istio_code) + " " + row.resource) == 1);
        }
    }

    TEST_CASE("parity with istioctl analyze on the live cluster for the codes it checks only there") {
        std::string ns = e2e::create_namespace("check-parity");
        REQUIRE(e2e::apply_yaml(broken_state(ns, ns + ".example.com")).ok());
        Result istio = e2e::istioctl({"analyze", "-n", ns, "-o", "json"});
        std::set<std::string> flagged_by_istio;
        const json istio_doc = json::parse(istio.out.empty() ? "[]" : istio.out);
        for (const auto& m : istio_doc) {
            flagged_by_istio.insert(m.at("code").get<std::string>() + " " + m.at("origin").get<std::string>());
        }
        Result ours = e2e::plugin({"check", "-n", ns, "-o", "json"});
        std::set<std::string> flagged_by_us;
        const json doc = json::parse(ours.out);
        for (const auto& f : doc.at("findings")) {
            const auto& res = f.at("resource");
            flagged_by_us.insert(f.at("istioCode").get<std::string>() + " " + res.at("kind").get<std::string>() + " " +
                                 res.at("namespace").get<std::string>() + "/" + res.at("name").get<std::string>());
        }
        // credentialName not found in the gateway workload's namespace: IST0101
        std::string key = "IST0101 Gateway " + ns + "/grpc-gateway";
        INFO("istioctl: ", istio.out, istio.err);
        CHECK(flagged_by_istio.count(key) == 1);
        CHECK(flagged_by_us.count(key) == 1);
    }
}
