// What stream and web change on the gateway pods themselves, which every
// host they serve shares: stream --gateway-idle-timeout (the Deployment's
// proxy config) and web's grpc_web EnvoyFilter. Each test lays down its own
// simulated gateway workload (Deployment, Pod, LoadBalancer Service with
// labels of its own) in a fresh namespace, so it can count hosts on it
// without meeting the other tests' hosts on istio-system's gateway.
#include <doctest/doctest.h>

#include <algorithm>

#include "harness.hpp"
#include "mesh_support.hpp"

using namespace mesh_e2e;

namespace {

// A gateway workload of its own and hosts routed through it to Service greeter.
struct OwnGateway {
    std::string ns = e2e::create_namespace("gw");
    std::string label = e2e::unique_name("gw");
    std::string selector = "grpcmesh-gateway=" + label;
    e2e::TempDir dir{"grpcmesh-gw"};

    OwnGateway() {
        const std::string labels = "{grpcmesh-gateway: " + label + ", app: own-gateway}";
        auto r = e2e::apply_yaml(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: own-gateway\n  namespace: " + ns +
            "\nspec:\n  replicas: 1\n  selector:\n    matchLabels: " + labels + "\n  template:\n    metadata:\n"
            "      labels: " + labels + "\n    spec:\n      containers:\n      - {name: istio-proxy, image: "
            "docker.io/istio/proxyv2:1.31.0}\n"
            "---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: own-gateway-1\n  namespace: " + ns +
            "\n  labels: " + labels + "\nspec:\n  containers:\n  - {name: istio-proxy, image: "
            "docker.io/istio/proxyv2:1.31.0}\n"
            "---\napiVersion: v1\nkind: Service\nmetadata:\n  name: own-gateway\n  namespace: " + ns +
            "\nspec:\n  type: LoadBalancer\n  selector: " + labels + "\n  ports:\n"
            "  - {name: http2, port: 80, targetPort: 8080}\n  - {name: https, port: 443, targetPort: 8443}\n"
            "---\napiVersion: v1\nkind: Service\nmetadata:\n  name: greeter\n  namespace: " + ns +
            "\nspec:\n  ports:\n  - {name: api, port: 50051}\n");
        REQUIRE_MESSAGE(r.ok(), r.describe());
    }

    // init (HTTPS, self-signed certificate) and expose for a new host.
    std::string route_host(const std::string& prefix) {
        const std::string host = e2e::unique_name(prefix) + ".example.com";
        for (const auto& args : std::vector<std::vector<std::string>>{
                 {"init", "--host", host, "--selector", selector},
                 {"tls", "--host", host, "--self-signed", "--ca-out", (dir.path() / (host + ".crt")).string()},
                 {"expose", "greeter", "-n", ns, "--host", host}}) {
            auto r = e2e::plugin(args);
            REQUIRE_MESSAGE(r.ok(), r.describe());
        }
        return host;
    }

    json deployment() const { return get("deployment", ns, "own-gateway"); }

    // connectionSettings.httpStreamIdleTimeout in the pod template's proxy config; "" when unset.
    std::string stream_idle_timeout() const {
        const json d = deployment();
        const json::json_pointer ptr("/spec/template/metadata/annotations/proxy.istio.io~1config");
        if (!d.contains(ptr)) {
            return "";
        }
        return json::parse(d.at(ptr).get<std::string>())
            .value("/connectionSettings/httpStreamIdleTimeout"_json_pointer, std::string());
    }

    bool has_filter() const {
        auto r = e2e::kubectl({"get", "envoyfilters", "-n", ns, "-o", "name"});
        REQUIRE_MESSAGE(r.ok(), r.describe());
        return !r.out.empty();
    }
};

e2e::Result run_ok(const std::vector<std::string>& args) {
    auto r = e2e::plugin(args);
    REQUIRE_MESSAGE(r.ok(), r.describe());
    return r;
}

}  // namespace

TEST_CASE("stream --gateway-idle-timeout sets the gateway pods' stream idle timeout, --remove takes it away") {
    OwnGateway gw;
    const std::string host = gw.route_host("idle");
    const json before = gw.deployment();
    REQUIRE(gw.stream_idle_timeout().empty());

    auto r = run_ok({"stream", "--host", host, "--gateway-idle-timeout", "1h"});
    CHECK(contains(r.out, "deployment.apps/own-gateway configured"));
    CHECK(contains(r.err, "Warning: Deployment " + gw.ns + "/own-gateway: changing the pod template restarts the "
                          "gateway pods (rolling)"));
    CHECK(contains(r.err, "Deployment " + gw.ns + "/own-gateway annotation proxy.istio.io/config "
                          "(connectionSettings.httpStreamIdleTimeout)"));
    CHECK(gw.stream_idle_timeout() == "1h");
    const json after = gw.deployment();
    CHECK(json::parse(after["metadata"]["annotations"]["kubectl-grpcmesh/gateway-idle-timeouts"].get<std::string>()) ==
          json{{host, "1h"}});
    // Only the annotations changed: the rest of the pod template is as it was.
    json template_now = after["spec"]["template"];
    template_now["metadata"].erase("annotations");
    CHECK(template_now == before["spec"]["template"]);

    // A re-run changes nothing.
    auto again = run_ok({"stream", "--host", host, "--gateway-idle-timeout", "1h"});
    CHECK(contains(again.out, "deployment.apps/own-gateway unchanged"));

    // --dry-run=client cannot read the Deployment: a clear error.
    auto client = e2e::plugin({"stream", "--host", host, "--backend", gw.ns + "/greeter", "--gateway-idle-timeout",
                               "1h", "--dry-run=client"});
    CHECK(client.exit_code != 0);
    CHECK(contains(client.err, "--gateway-idle-timeout changes the gateway's Deployment"));

    auto removed = run_ok({"stream", "--host", host, "--remove"});
    CHECK(contains(removed.out, "deployment.apps/own-gateway"));
    CHECK(gw.deployment() == before);
    CHECK_FALSE(contains(e2e::kubectl({"get", "deployment", "own-gateway", "-n", gw.ns, "-o", "json",
                                       "--show-managed-fields"}).out,
                         "\"kubectl-grpcmesh\""));
}

TEST_CASE("stream --remove of one host keeps the gateway idle timeout another host asked for, the last one drops it") {
    OwnGateway gw;
    const std::string a = gw.route_host("idle-a");
    const std::string b = gw.route_host("idle-b");
    const json before = gw.deployment();

    run_ok({"stream", "--host", a, "--gateway-idle-timeout", "2h"});
    auto rb = run_ok({"stream", "--host", b, "--gateway-idle-timeout", "30m"});
    CHECK(contains(rb.err, "keeps a gateway stream idle timeout of 2h, the longest any host on these gateway pods "
                           "asks for (" + a + " 2h)"));
    CHECK(gw.stream_idle_timeout() == "2h");

    // A host that never asked for it leaves it alone.
    const std::string c = gw.route_host("idle-c");
    run_ok({"stream", "--host", c});
    run_ok({"stream", "--host", c, "--remove"});
    CHECK(gw.stream_idle_timeout() == "2h");

    auto ra = run_ok({"stream", "--host", a, "--remove"});
    CHECK(contains(ra.err, "keeps a gateway stream idle timeout of 30m: " + b + " 30m still asks for it"));
    CHECK(gw.stream_idle_timeout() == "30m");

    run_ok({"stream", "--host", b, "--remove"});
    CHECK(gw.stream_idle_timeout().empty());
    CHECK(gw.deployment() == before);
}

TEST_CASE("web --remove of one host keeps the grpc_web filter another host uses, the last one removes it") {
    OwnGateway gw;
    const std::string a = gw.route_host("web-a");
    const std::string b = gw.route_host("web-b");
    REQUIRE_FALSE(gw.has_filter());

    auto wa = run_ok({"web", "--host", a, "--allow-origin", "https://a.example.com"});
    auto filters = e2e::kubectl({"get", "envoyfilters", "-n", gw.ns, "-o", "name"});
    REQUIRE_MESSAGE(filters.ok(), filters.describe());
    CHECK(lines(filters.out) == 1);
    const std::string filter = filters.out.substr(0, filters.out.find('\n'));
    CHECK(contains(wa.out, filter + " created"));
    auto wb = run_ok({"web", "--host", b, "--allow-origin", "https://b.example.com"});
    CHECK(contains(wb.out, filter + " unchanged"));
    CHECK(lines(e2e::kubectl({"get", "envoyfilters", "-n", gw.ns, "-o", "name"}).out) == 1);

    auto ra = run_ok({"web", "--host", a, "--remove"});
    CHECK(contains(ra.err, "stays: " + gw.ns + "/" + host_object(b) + " still use gRPC-Web"));
    CHECK(e2e::kubectl({"get", "-n", gw.ns, filter}).ok());
    const json vs_a = get("virtualservice.networking.istio.io", gw.ns, host_object(a));
    for (const auto& route : vs_a["spec"]["http"]) {
        CHECK_FALSE(route.contains("corsPolicy"));
    }
    const json vs_b = get("virtualservice.networking.istio.io", gw.ns, host_object(b));
    CHECK(vs_b["spec"]["http"][0]["corsPolicy"]["allowOrigins"][0]["exact"] == "https://b.example.com");

    auto rb = run_ok({"web", "--host", b, "--remove"});
    CHECK(contains(rb.err, "is removed: no other host on the gateway pods uses gRPC-Web"));
    CHECK_FALSE(gw.has_filter());
}
