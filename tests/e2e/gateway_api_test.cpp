// init, tls and expose with --api gateway-api against the real API server
// with the Gateway API's standard-channel CRDs (v1.6.3): their schemas and
// CEL rules accept every object the commands write, server-side apply keeps
// other managers' listeners on a shared Gateway, re-runs are unchanged, and
// --remove takes back exactly what was made. The control plane's simulated
// Istio install has ingress gateway pods, so a new host defaults to Istio's
// API there; a host on the Gateway API keeps it without --api.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>

#include "harness.hpp"
#include "mesh_support.hpp"

using namespace mesh_e2e;

namespace {

e2e::Result run_ok(const std::vector<std::string>& args) {
    auto r = e2e::plugin(args);
    REQUIRE_MESSAGE(r.ok(), r.describe());
    return r;
}

// Sorted: server-side apply decides where a new entry of a list map goes.
std::vector<std::string> listener_names(const json& gateway) {
    std::vector<std::string> out;
    for (const auto& l : gateway["spec"]["listeners"]) {
        out.push_back(l["name"].get<std::string>());
    }
    std::sort(out.begin(), out.end());
    return out;
}

}  // namespace

TEST_CASE("gateway-api goldens: a server-side dry-run apply accepts every file") {
    for (const char* ns : {"apps", "istio-ingress", "infra", "certs"}) {
        auto r = e2e::apply_yaml(std::string("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ") + ns + "\n");
        REQUIRE_MESSAGE(r.ok(), r.describe());
    }
    // init-shared.yaml adds a listener to an existing Gateway.
    auto shared = e2e::apply_yaml(
        "apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: shared, namespace: infra}\n"
        "spec:\n  gatewayClassName: istio\n  listeners:\n  - {name: web, hostname: www.example.com, port: 443, "
        "protocol: HTTPS, tls: {mode: Terminate, certificateRefs: [{name: www}]}}\n",
        {"--field-manager=platform"});
    REQUIRE_MESSAGE(shared.ok(), shared.describe());
    std::vector<std::filesystem::path> files;
    for (const auto& entry :
         std::filesystem::directory_iterator(e2e::source_dir() / "tests/testdata/dry-run-gateway-api")) {
        // The Certificates of tls --issuer need cert-manager's CRDs:
        // tests/e2e/cert-manager/tls_issuer_gateway_api_test.cpp applies them.
        if (entry.path().filename().string().rfind("tls-issuer", 0) != 0) {
            files.push_back(entry.path());
        }
    }
    std::sort(files.begin(), files.end());
    REQUIRE(files.size() >= 7);
    for (const auto& file : files) {
        CAPTURE(file.filename().string());
        auto applied = e2e::kubectl({"apply", "--server-side", "--dry-run=server", "--field-manager=grpcmesh-golden",
                                     "-f", file.string()});
        CHECK_MESSAGE(applied.ok(), applied.describe());
        CHECK_MESSAGE(applied.out.find("(server dry run)") != std::string::npos, applied.describe());
    }
    // The CEL rules really run: TLS on an HTTP listener is refused.
    e2e::TempDir dir;
    std::string broken = e2e::read_file(e2e::source_dir() / "tests/testdata/dry-run-gateway-api/init-https.yaml");
    const std::string https = "protocol: HTTPS";
    REQUIRE(broken.find(https) != std::string::npos);
    broken.replace(broken.find(https), https.size(), "protocol: HTTP");
    auto refused = e2e::kubectl({"apply", "--server-side", "--dry-run=server", "--field-manager=grpcmesh-golden", "-f",
                                 dir.write("broken.yaml", broken).string()});
    CHECK_FALSE(refused.ok());
    CHECK_MESSAGE(contains(refused.err, "tls must not be specified for protocols"), refused.describe());
}

TEST_CASE("gateway-api flow: init, tls and expose on the Gateway API, re-runs unchanged, --remove undoes them") {
    const std::string gw = e2e::create_namespace("gwapi");
    const std::string apps = e2e::create_namespace("apps");
    const std::string host = e2e::unique_name("ga") + ".example.com";
    const std::string name = host_object(host);
    create_service(apps, "greeter", "  - {name: api, port: 50051}\n");
    e2e::TempDir dir;

    // A new host on this control plane (Istio ingress gateway pods are there) defaults to Istio's API.
    auto istio = run_ok({"init", "--host", host, "--dry-run=server"});
    CHECK_MESSAGE(contains(istio.err, "API: istio (networking.istio.io Gateway and VirtualService): " + host +
                                          " is a new host and Istio ingress gateway pods (istio=ingressgateway) are "
                                          "there"),
                  istio.describe());

    auto init = run_ok({"init", "--host", host, "--api", "gateway-api", "--gateway-namespace", gw, "--https",
                        "--plaintext"});
    CHECK(contains(init.out, "gateway.gateway.networking.k8s.io/" + name + " created"));
    CHECK_MESSAGE(contains(init.err, "Secret " + gw + "/" + name + "-tls does not exist yet"), init.describe());
    const json gateway = get("gateways.gateway.networking.k8s.io", gw, name);
    CHECK(gateway["spec"]["gatewayClassName"] == "istio");
    CHECK(listener_names(gateway) == std::vector<std::string>{name + "-h2c", name + "-https"});

    // The host is on the Gateway API now: tls and expose keep it without --api.
    auto tls = run_ok({"tls", "--host", host, "--self-signed", "--ca-out", (dir.path() / "ca.crt").string()});
    CHECK_MESSAGE(contains(tls.err, "API: gateway-api (gateway.networking.k8s.io/v1 Gateway and GRPCRoute): " + host +
                                        " is served by Gateway " + gw + "/" + name),
                  tls.describe());
    CHECK(get("secret", gw, name + "-tls")["type"] == "kubernetes.io/tls");

    auto expose = run_ok({"expose", "greeter", "-n", apps, "--host", host, "--grpc-service", "helloworld.Greeter",
                          "--grpc-method", "helloworld.Farewell/Bye"});
    CHECK(contains(expose.out, "grpcroute.gateway.networking.k8s.io/" + name + " created"));
    CHECK(contains(expose.out, "referencegrant.gateway.networking.k8s.io/" + name + "-greeter created"));
    const json route = get("grpcroutes.gateway.networking.k8s.io", gw, name);
    CHECK(route["spec"]["hostnames"] == json::array({host}));
    CHECK(route["spec"]["rules"][0]["backendRefs"][0]["namespace"] == apps);
    CHECK(route["spec"]["rules"][0]["matches"].size() == 2);
    CHECK(get("service", apps, "greeter")["spec"]["ports"][0]["appProtocol"] == "kubernetes.io/h2c");
    CHECK(get("referencegrants.gateway.networking.k8s.io", apps, name + "-greeter")["spec"]["from"][0]["namespace"] ==
          gw);

    // Re-runs change nothing.
    for (const auto& args : std::vector<std::vector<std::string>>{
             {"init", "--host", host, "--https", "--plaintext"},
             {"expose", "greeter", "-n", apps, "--host", host, "--grpc-service", "helloworld.Greeter", "--grpc-method",
              "helloworld.Farewell/Bye"}}) {
        auto again = run_ok(args);
        CHECK_MESSAGE((!contains(again.out, "configured") && !contains(again.out, "created")), again.describe());
        CHECK_MESSAGE(contains(again.out, "unchanged"), again.describe());
    }

    // --remove in reverse order takes everything back.
    run_ok({"expose", "greeter", "-n", apps, "--host", host, "--remove"});
    CHECK_FALSE(snapshot("grpcroutes.gateway.networking.k8s.io", gw, name).has_value());
    CHECK_FALSE(snapshot("referencegrants.gateway.networking.k8s.io", apps, name + "-greeter").has_value());
    CHECK_FALSE(get("service", apps, "greeter")["spec"]["ports"][0].contains("appProtocol"));
    run_ok({"tls", "--host", host, "--remove"});
    CHECK_FALSE(snapshot("secret", gw, name + "-tls").has_value());
    run_ok({"init", "--host", host, "--remove"});
    CHECK_FALSE(snapshot("gateways.gateway.networking.k8s.io", gw, name).has_value());
}

TEST_CASE("gateway-api shared Gateway: init --gateway adds the host's listener and leaves the others alone") {
    const std::string ns = e2e::create_namespace("shared");
    auto platform = e2e::apply_yaml(
        "apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: shared, namespace: " + ns + "}\n"
        "spec:\n  gatewayClassName: istio\n  listeners:\n  - {name: web, hostname: www.example.com, port: 443, "
        "protocol: HTTPS, tls: {mode: Terminate, certificateRefs: [{name: www}]}}\n",
        {"--field-manager=platform"});
    REQUIRE_MESSAGE(platform.ok(), platform.describe());
    const std::string a = e2e::unique_name("a") + ".example.com";
    const std::string b = e2e::unique_name("b") + ".example.com";
    run_ok({"init", "--host", a, "--api", "gateway-api", "--gateway", ns + "/shared"});
    run_ok({"init", "--host", b, "--api", "gateway-api", "--gateway", ns + "/shared", "--plaintext"});
    CHECK(listener_names(get("gateways.gateway.networking.k8s.io", ns, "shared")) ==
          std::vector<std::string>{host_object(a) + "-https", host_object(b) + "-h2c", "web"});

    // The platform team's listener is theirs: the same host and port is refused.
    auto www = e2e::plugin({"init", "--host", "www.example.com", "--api", "gateway-api", "--gateway", ns + "/shared"});
    CHECK(www.exit_code == 1);
    CHECK_MESSAGE(contains(www.err, "error: listener web of Gateway " + ns + "/shared already serves www.example.com "
                                    "on port 443"),
                  www.describe());
    const std::string c = e2e::unique_name("c") + ".example.com";
    auto clash = e2e::plugin({"init", "--host", c, "--api", "gateway-api", "--gateway", ns + "/shared", "--plaintext",
                              "--plaintext-port", "443"});
    CHECK(clash.exit_code == 1);
    CHECK_MESSAGE(contains(clash.err, "port 443 of Gateway " + ns + "/shared is taken by listener web (HTTPS)"),
                  clash.describe());

    // --remove of one host keeps the Gateway, the platform's listener and the other host's.
    run_ok({"init", "--host", a, "--api", "gateway-api", "--gateway", ns + "/shared", "--remove"});
    CHECK(listener_names(get("gateways.gateway.networking.k8s.io", ns, "shared")) ==
          std::vector<std::string>{host_object(b) + "-h2c", "web"});
    run_ok({"init", "--host", b, "--remove"});  // found on the shared Gateway without --gateway
    CHECK(listener_names(get("gateways.gateway.networking.k8s.io", ns, "shared")) == std::vector<std::string>{"web"});
}

TEST_CASE("gateway-api tls --secret-namespace: the Secret elsewhere, a ReferenceGrant, the listener pointed at it") {
    const std::string gw = e2e::create_namespace("gwapi");
    const std::string certs = e2e::create_namespace("certs");
    const std::string host = e2e::unique_name("tls") + ".example.com";
    const std::string name = host_object(host);
    e2e::TempDir dir;
    run_ok({"init", "--host", host, "--api", "gateway-api", "--gateway-namespace", gw});
    const auto [cert, key] = make_certificate(dir, host);
    auto tls = run_ok({"tls", "--host", host, "--cert", cert, "--key", key, "--secret-namespace", certs});
    CHECK(contains(tls.out, "referencegrant.gateway.networking.k8s.io/" + name + "-tls-from-" + gw + " created"));
    CHECK(get("secret", certs, name + "-tls")["type"] == "kubernetes.io/tls");
    const json grant = get("referencegrants.gateway.networking.k8s.io", certs, name + "-tls-from-" + gw);
    CHECK(grant["spec"]["from"][0]["kind"] == "Gateway");
    CHECK(grant["spec"]["to"][0]["name"] == name + "-tls");
    const json ref = get("gateways.gateway.networking.k8s.io", gw, name)["spec"]["listeners"][0]["tls"]["certificateRefs"][0];
    CHECK(ref["namespace"] == certs);
    CHECK(ref["name"] == name + "-tls");
    // A re-run finds the Secret where the listener points.
    auto again = run_ok({"tls", "--host", host, "--cert", cert, "--key", key});
    CHECK_MESSAGE(contains(again.err, "Secret " + certs + "/" + name + "-tls holds the certificate"), again.describe());
    run_ok({"tls", "--host", host, "--remove"});
    CHECK_FALSE(snapshot("secret", certs, name + "-tls").has_value());
    CHECK_FALSE(snapshot("referencegrants.gateway.networking.k8s.io", certs, name + "-tls-from-" + gw).has_value());
}

TEST_CASE("gateway-api stream and web: DestinationRules for the route's backends, EnvoyFilters for the Gateway's pods") {
    const std::string gw = e2e::create_namespace("gwapi");
    const std::string apps = e2e::create_namespace("apps");
    const std::string host = e2e::unique_name("sw") + ".example.com";
    const std::string name = host_object(host);
    create_service(apps, "greeter", "  - {name: api, port: 50051}\n");
    run_ok({"init", "--host", host, "--api", "gateway-api", "--gateway-namespace", gw, "--plaintext"});
    run_ok({"expose", "greeter", "-n", apps, "--host", host, "--grpc-service", "helloworld.Greeter"});

    // stream keeps the host on the Gateway API and sets the backend's connection pool.
    auto stream = run_ok({"stream", "--host", host});
    CHECK_MESSAGE(contains(stream.err, "API: gateway-api (gateway.networking.k8s.io/v1 Gateway and GRPCRoute): " +
                                           host + " is served by Gateway " + gw + "/" + name),
                  stream.describe());
    CHECK_MESSAGE(contains(stream.err, "GRPCRoute " + gw + "/" + name), stream.describe());
    const json dr = get("destinationrules.networking.istio.io", apps, "greeter-grpc-stream");
    CHECK(dr["spec"]["host"] == "greeter." + apps + ".svc.cluster.local");
    CHECK(dr["spec"]["trafficPolicy"]["connectionPool"]["http"]["idleTimeout"] == "24h");
    auto refused = e2e::plugin({"stream", "--host", host, "--timeout", "1h"});
    CHECK(refused.exit_code == 2);
    CHECK_MESSAGE(contains(refused.err, "--timeout is for Istio's VirtualService"), refused.describe());

    // web: grpc_web for the pods Istio deploys for the Gateway, CORS on the host's virtual hosts.
    auto web = run_ok({"web", "--host", host, "--allow-origin", "https://app.example.com"});
    CHECK(contains(web.out, "envoyfilter.networking.istio.io/grpc-web-" + name + " created"));
    CHECK(contains(web.out, "envoyfilter.networking.istio.io/" + name + "-cors created"));
    const json filter = get("envoyfilters.networking.istio.io", gw, "grpc-web-" + name);
    CHECK(filter["spec"]["workloadSelector"]["labels"]["gateway.networking.k8s.io/gateway-name"] == name);
    const json cors = get("envoyfilters.networking.istio.io", gw, name + "-cors");
    CHECK(cors["spec"]["configPatches"][0]["match"]["routeConfiguration"]["vhost"]["domainName"] == host);
    auto again = run_ok({"web", "--host", host, "--allow-origin", "https://app.example.com"});
    CHECK_MESSAGE((contains(again.out, "unchanged") && !contains(again.out, "configured")), again.describe());

    run_ok({"web", "--host", host, "--remove"});
    CHECK_FALSE(snapshot("envoyfilters.networking.istio.io", gw, name + "-cors").has_value());
    CHECK_FALSE(snapshot("envoyfilters.networking.istio.io", gw, "grpc-web-" + name).has_value());
    run_ok({"stream", "--host", host, "--remove"});
    CHECK_FALSE(snapshot("destinationrules.networking.istio.io", apps, "greeter-grpc-stream").has_value());
}
