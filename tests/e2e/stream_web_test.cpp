// stream and web against the control plane with Istio's CRDs: after init,
// tls and expose, their objects are accepted by the API server, istioctl
// validate and analyze; re-runs change nothing; --remove restores.
#include <doctest/doctest.h>

#include <algorithm>
#include <sstream>
#include <nlohmann/json.hpp>

#include "harness.hpp"

using e2e::Result;
using nlohmann::json;

namespace {

using e2e::contains;

json get_json(const std::vector<std::string>& args) {
    auto r = e2e::kubectl(args);
    REQUIRE_MESSAGE(r.ok(), r.describe());
    return json::parse(r.out);
}

std::string object_name(const std::string& host) {
    std::string out;
    for (char c : host) {
        out += c == '.' ? '-' : c;
    }
    return out;
}

// A namespace with Service greeter (one gRPC port) and a host routed to it
// through the gateway with a self-signed certificate.
struct Routed {
    std::string ns = e2e::create_namespace("sw");
    std::string host = e2e::unique_name("sw") + ".example.com";
    e2e::TempDir dir{"grpcmesh-sw"};

    Routed() {
        auto svc = e2e::apply_yaml("apiVersion: v1\nkind: Service\nmetadata:\n  name: greeter\n  namespace: " + ns +
                                   "\nspec:\n  selector: {app: greeter}\n  ports:\n  - {name: api, port: 50051}\n");
        REQUIRE_MESSAGE(svc.ok(), svc.describe());
        run_ok({"init", "--host", host});
        run_ok({"tls", "--host", host, "--self-signed", "--ca-out", (dir.path() / "ca.crt").string()});
        run_ok({"expose", "greeter", "-n", ns, "--host", host});
    }

    Result run_ok(const std::vector<std::string>& args) const {
        auto r = e2e::plugin(args);
        REQUIRE_MESSAGE(r.ok(), r.describe());
        return r;
    }

    std::string vs_name() const { return object_name(host); }
};

// Every line of a default apply output says "unchanged".
bool all_unchanged(const std::string& out) {
    size_t lines = 0;
    size_t start = 0;
    while (start < out.size()) {
        const size_t end = out.find('\n', start);
        const std::string line = out.substr(start, end - start);
        if (!line.empty()) {
            ++lines;
            if (!contains(line, " unchanged")) {
                return false;
            }
        }
        start = end == std::string::npos ? out.size() : end + 1;
    }
    return lines > 0;
}

void check_istio_accepts(const std::vector<std::string>& kinds_and_names, const std::string& ns,
                         const e2e::TempDir& dir) {
    std::vector<std::string> args = {"get", "-o", "yaml", "-n", ns};
    args.insert(args.end(), kinds_and_names.begin(), kinds_and_names.end());
    auto objects = e2e::kubectl(args);
    REQUIRE_MESSAGE(objects.ok(), objects.describe());
    auto file = dir.write("objects-" + ns + ".yaml", objects.out);
    auto valid = e2e::istioctl({"validate", "-f", file.string()});
    CHECK_MESSAGE(valid.ok(), valid.describe());
}

// istioctl analyze of the namespace reports nothing about `objects`
// ("Kind namespace/name" as analyze names them; other tests' objects may
// share the namespace) except the codes in `allowed`.
void check_analyze_clean(const std::string& ns, const std::vector<std::string>& objects,
                         const std::vector<std::string>& allowed = {}) {
    e2e::RunOptions env;
    env.env = e2e::cluster_child_env();
    auto r = e2e::istioctl({"analyze", "-n", ns}, env);
    CHECK_MESSAGE((r.exit_code == 0 || r.exit_code == 79), r.describe());
    std::istringstream lines(r.out + r.err);
    std::string line;
    while (std::getline(lines, line)) {
        for (const auto& o : objects) {
            if (!contains(line, o)) {
                continue;
            }
            const bool ok = std::any_of(allowed.begin(), allowed.end(),
                                        [&](const std::string& code) { return contains(line, "[" + code + "]"); });
            CHECK_MESSAGE(ok, line);
        }
    }
}

}  // namespace

TEST_SUITE("stream") {
    TEST_CASE("stream sets the upstream rule, re-runs unchanged, --remove restores") {
        Routed h;
        auto r = h.run_ok({"stream", "--host", h.host});
        CHECK(contains(r.out, "destinationrule.networking.istio.io/greeter-grpc-stream created"));
        CHECK(contains(r.err, "Timeouts a stream on " + h.host + " meets:"));
        const json dr = get_json({"get", "destinationrule", "greeter-grpc-stream", "-n", h.ns, "-o", "json"});
        CHECK(dr["spec"]["host"] == "greeter." + h.ns + ".svc.cluster.local");
        CHECK(dr["spec"]["trafficPolicy"]["connectionPool"]["http"]["idleTimeout"] == "24h");
        CHECK(dr["spec"]["trafficPolicy"]["connectionPool"]["tcp"]["tcpKeepalive"]["probes"] == 3);
        check_istio_accepts({"destinationrule", "greeter-grpc-stream"}, h.ns, h.dir);
        check_analyze_clean(h.ns, {"DestinationRule " + h.ns + "/greeter-grpc-stream"});

        auto again = h.run_ok({"stream", "--host", h.host});
        CHECK_MESSAGE(all_unchanged(again.out), again.out);

        h.run_ok({"stream", "--host", h.host, "--remove"});
        auto gone = e2e::kubectl({"get", "destinationrule", "greeter-grpc-stream", "-n", h.ns});
        CHECK(gone.exit_code != 0);
    }

    TEST_CASE("two hosts on one backend share its DestinationRule, --remove of one keeps what the other asked for") {
        Routed h;
        const std::string b = e2e::unique_name("sw-b") + ".example.com";
        h.run_ok({"init", "--host", b});
        h.run_ok({"tls", "--host", b, "--self-signed", "--ca-out", (h.dir.path() / "b-ca.crt").string()});
        h.run_ok({"expose", "greeter", "-n", h.ns, "--host", b});
        const auto rule = [&] {
            return get_json({"get", "destinationrule", "greeter-grpc-stream", "-n", h.ns, "-o", "json",
                             "--show-managed-fields"});
        };
        const auto record = [](const json& dr) {
            return json::parse(dr["metadata"]["annotations"]["kubectl-grpcmesh/stream-settings"].get<std::string>());
        };

        h.run_ok({"stream", "--host", h.host, "--idle-timeout", "2h", "--max-connection-duration", "4h"});
        const json pool_a = rule()["spec"]["trafficPolicy"]["connectionPool"];
        CHECK(pool_a["http"]["idleTimeout"] == "2h");
        CHECK(pool_a["tcp"]["maxConnectionDuration"] == "4h");

        // b asks for the defaults: the longer idle timeout and no connection limit serve both.
        auto rb = h.run_ok({"stream", "--host", b});
        CHECK(contains(rb.out, "destinationrule.networking.istio.io/greeter-grpc-stream configured"));
        CHECK(contains(rb.err, "DestinationRule " + h.ns + "/greeter-grpc-stream is shared with " + h.host));
        json dr = rule();
        CHECK(dr["spec"]["trafficPolicy"]["connectionPool"]["http"]["idleTimeout"] == "24h");
        CHECK_FALSE(dr["spec"]["trafficPolicy"]["connectionPool"]["tcp"].contains("maxConnectionDuration"));
        CHECK(record(dr).size() == 2);
        check_istio_accepts({"destinationrule", "greeter-grpc-stream"}, h.ns, h.dir);

        auto again = h.run_ok({"stream", "--host", b});
        CHECK_MESSAGE(all_unchanged(again.out), again.out);

        // b's --remove gives a back exactly what it asked for; the rule stays.
        auto removed = h.run_ok({"stream", "--host", b, "--remove"});
        CHECK(contains(removed.err, "keeps the stream settings for greeter." + h.ns + ".svc.cluster.local that " +
                                        h.host + " still asks for"));
        dr = rule();
        CHECK(dr["spec"]["trafficPolicy"]["connectionPool"] == pool_a);
        CHECK(record(dr).size() == 1);
        CHECK(record(dr).contains(h.host));
        for (const auto& entry : dr["metadata"]["managedFields"]) {
            CHECK(entry["manager"] == "kubectl-grpcmesh");
        }
        auto rerun = h.run_ok({"stream", "--host", h.host, "--idle-timeout", "2h", "--max-connection-duration", "4h"});
        CHECK_MESSAGE(all_unchanged(rerun.out), rerun.out);

        // The last host takes the rule away.
        h.run_ok({"stream", "--host", h.host, "--remove"});
        CHECK(e2e::kubectl({"get", "destinationrule", "greeter-grpc-stream", "-n", h.ns}).exit_code != 0);
    }

    TEST_CASE("stream --dry-run=server prints the objects and keeps nothing") {
        Routed h;
        auto r = h.run_ok({"stream", "--host", h.host, "--dry-run=server", "-o", "name"});
        CHECK(r.out == "destinationrule.networking.istio.io/greeter-grpc-stream\n");
        CHECK(e2e::kubectl({"get", "destinationrule", "greeter-grpc-stream", "-n", h.ns}).exit_code != 0);
    }

    TEST_CASE("stream --dry-run=client -o yaml prints the golden DestinationRules without a cluster") {
        e2e::RunOptions offline;
        offline.env["KUBECONFIG"] = "/nonexistent/kubeconfig";
        auto r = e2e::plugin({"stream", "--host", "grpc.example.com", "--backend", "apps/greeter", "--backend",
                              "other/echo", "--max-connection-duration", "4h", "--dry-run=client", "-o", "yaml"},
                             offline);
        REQUIRE_MESSAGE(r.ok(), r.describe());
        CHECK(r.out == e2e::read_file(e2e::source_dir() / "tests/testdata/stream/stream-client-dry-run.yaml"));
        // The golden holds what the command plans (the unit test compares it
        // too); the plugin prints the API it chose before it.
        CHECK(r.err ==
              "API: istio (networking.istio.io Gateway and VirtualService): --dry-run=client reads no cluster; pass "
              "--api gateway-api for the Gateway API\n" +
                  e2e::read_file(e2e::source_dir() / "tests/testdata/stream/stream-client-dry-run.txt"));
    }

    TEST_CASE("stream patches an existing DestinationRule for the backend instead of adding one") {
        Routed h;
        auto mine = e2e::apply_yaml("apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata:\n"
                                    "  name: greeter-lb\n  namespace: " + h.ns + "\nspec:\n  host: greeter\n"
                                    "  trafficPolicy:\n    loadBalancer: {simple: LEAST_REQUEST}\n");
        REQUIRE_MESSAGE(mine.ok(), mine.describe());
        auto r = h.run_ok({"stream", "--host", h.host, "--idle-timeout", "2h"});
        CHECK(contains(r.out, "destinationrule.networking.istio.io/greeter-lb configured"));
        const json list = get_json({"get", "destinationrules", "-n", h.ns, "-o", "json"});
        CHECK(list["items"].size() == 1);
        const json dr = get_json({"get", "destinationrule", "greeter-lb", "-n", h.ns, "-o", "json"});
        CHECK(dr["spec"]["trafficPolicy"]["loadBalancer"]["simple"] == "LEAST_REQUEST");
        CHECK(dr["spec"]["trafficPolicy"]["connectionPool"]["http"]["idleTimeout"] == "2h");

        // --remove gives back only our fields
        h.run_ok({"stream", "--host", h.host, "--remove"});
        const json after = get_json({"get", "destinationrule", "greeter-lb", "-n", h.ns, "-o", "json"});
        CHECK(after["spec"]["trafficPolicy"]["loadBalancer"]["simple"] == "LEAST_REQUEST");
        CHECK_FALSE(after["spec"]["trafficPolicy"].contains("connectionPool"));
    }

    TEST_CASE("a route timeout in another manager's VirtualService is a conflict naming the owner") {
        Routed h;
        auto foreign = e2e::apply_yaml(
            "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata:\n  name: legacy\n  namespace: " +
            h.ns + "\nspec:\n  hosts: [" + h.host + "]\n  gateways: [istio-system/" + h.vs_name() +
            "]\n  http:\n  - match:\n    - uri: {prefix: /legacy.Feed/}\n    route:\n    - destination:\n"
            "        host: greeter\n        port: {number: 50051}\n    timeout: 15s\n");
        REQUIRE_MESSAGE(foreign.ok(), foreign.describe());
        auto refused = e2e::plugin({"stream", "--host", h.host});
        CHECK(refused.exit_code == 1);
        CHECK(contains(refused.err, "owned by field manager \"kubectl\""));
        CHECK(contains(refused.err, "--force-conflicts"));
        CHECK(std::count(refused.err.begin(), refused.err.end(), '\n') == 1);
        CHECK(e2e::kubectl({"get", "destinationrule", "greeter-grpc-stream", "-n", h.ns}).exit_code != 0);

        h.run_ok({"stream", "--host", h.host, "--force-conflicts"});
        const json vs = get_json({"get", "virtualservice", "legacy", "-n", h.ns, "-o", "json"});
        CHECK_FALSE(vs["spec"]["http"][0].contains("timeout"));
        CHECK(vs["spec"]["http"][0]["match"][0]["uri"]["prefix"] == "/legacy.Feed/");
    }
}

TEST_SUITE("web") {
    TEST_CASE("web adds the filter and CORS, re-runs unchanged, --remove restores") {
        Routed h;
        const json before = get_json({"get", "virtualservice", h.vs_name(), "-n", "istio-system", "-o", "json"});
        auto r = h.run_ok({"web", "--host", h.host, "--allow-origin", "https://app.example.com"});
        CHECK(contains(r.out, "envoyfilter.networking.istio.io/grpc-web-ingressgateway"));
        const json filter = get_json({"get", "envoyfilter", "grpc-web-ingressgateway", "-n", "istio-system", "-o", "json"});
        CHECK(filter["spec"]["configPatches"][0]["patch"]["value"]["name"] == "envoy.filters.http.grpc_web");
        const json vs = get_json({"get", "virtualservice", h.vs_name(), "-n", "istio-system", "-o", "json"});
        for (const auto& route : vs["spec"]["http"]) {
            CHECK(route["corsPolicy"]["allowOrigins"][0]["exact"] == "https://app.example.com");
        }
        check_istio_accepts({"envoyfilter/grpc-web-ingressgateway", "virtualservice/" + h.vs_name()}, "istio-system",
                            h.dir);
        // IST0133 is reported for every EnvoyFilter ("exposes internal implementation
        // details"); gRPC-Web on an HTTPS server has no other API.
        check_analyze_clean("istio-system", {"EnvoyFilter istio-system/grpc-web-ingressgateway",
                                             "VirtualService istio-system/" + h.vs_name()}, {"IST0133"});

        auto again = h.run_ok({"web", "--host", h.host, "--allow-origin", "https://app.example.com"});
        CHECK_MESSAGE(all_unchanged(again.out), again.out);

        h.run_ok({"web", "--host", h.host, "--remove"});
        const json after = get_json({"get", "virtualservice", h.vs_name(), "-n", "istio-system", "-o", "json"});
        CHECK(after["spec"]["http"] == before["spec"]["http"]);
    }

    TEST_CASE("the content-type-only CORS route is detected, and fixed with --force-conflicts") {
        Routed h;
        auto seed = e2e::apply_yaml(
            "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata:\n  name: web-seed\n  namespace: " +
            h.ns + "\nspec:\n  hosts: [" + h.host + "]\n  gateways: [istio-system/" + h.vs_name() +
            "]\n  http:\n  - match:\n    - uri: {prefix: /seed.Web/}\n      headers:\n        content-type:\n"
            "          prefix: application/grpc-web\n    corsPolicy:\n      allowOrigins: [{exact: https://app.example.com}]\n"
            "      allowMethods: [POST]\n    route:\n    - destination:\n        host: greeter\n"
            "        port: {number: 50051}\n");
        REQUIRE_MESSAGE(seed.ok(), seed.describe());
        auto refused = e2e::plugin({"web", "--host", h.host, "--allow-origin", "https://app.example.com"});
        CHECK(refused.exit_code == 1);
        CHECK_MESSAGE(contains(refused.err, "never carries"), refused.describe());
        const json untouched = get_json({"get", "virtualservice", "web-seed", "-n", h.ns, "-o", "json"});
        CHECK(untouched["spec"]["http"].size() == 1);

        auto fixed = h.run_ok({"web", "--host", h.host, "--allow-origin", "https://app.example.com", "--force-conflicts"});
        CHECK(contains(fixed.err, "Warning: VirtualService " + h.ns + "/web-seed http[0] matches only requests"));
        const json vs = get_json({"get", "virtualservice", "web-seed", "-n", h.ns, "-o", "json"});
        REQUIRE(vs["spec"]["http"].size() == 2);
        CHECK(vs["spec"]["http"][0]["match"][0]["method"]["exact"] == "OPTIONS");
        CHECK(vs["spec"]["http"][0]["corsPolicy"]["exposeHeaders"][0] == "grpc-status");
        check_istio_accepts({"virtualservice/web-seed"}, h.ns, h.dir);
        h.run_ok({"web", "--host", h.host, "--remove"});
    }
}

TEST_SUITE("stream and web: bad input") {
    TEST_CASE("one line, exit 1, nothing changed") {
        Routed h;
        const json before = get_json({"get", "virtualservice", h.vs_name(), "-n", "istio-system", "-o", "json"});
        const std::vector<std::vector<std::string>> cases = {
            {"stream", "--host", h.host, "--timeout", "0s"},
            {"web", "--host", h.host, "--allow-origin", "app.example.com"},
            {"web", "--host", h.host, "--allow-origin", "*", "--allow-credentials"},
            {"stream", "--host", "nothing-" + h.host},
            {"web", "--host", "nothing-" + h.host, "--allow-origin", "https://app.example.com"},
        };
        for (const auto& args : cases) {
            auto r = e2e::plugin(args);
            CHECK_MESSAGE(r.exit_code == 1, r.describe());
            CHECK_MESSAGE(std::count(r.err.begin(), r.err.end(), '\n') == 1, r.describe());
            CHECK(r.out.empty());
        }
        const json after = get_json({"get", "virtualservice", h.vs_name(), "-n", "istio-system", "-o", "json"});
        CHECK(after["metadata"]["resourceVersion"] == before["metadata"]["resourceVersion"]);
        CHECK(e2e::kubectl({"get", "destinationrule", "greeter-grpc-stream", "-n", h.ns}).exit_code != 0);
    }
}
