// check's self-consistency invariant against the control plane with the
// simulated Istio install: after every command that changes the cluster -
// init, tls, expose, stream and web in their variants, and each --remove -
// `check -A -o json` reports no error and no warning about the flow's
// objects, except the findings named at each step (tests/e2e/check_invariant.hpp).
// The simulated Services have no pods, so their missing endpoints (GM0030)
// are named wherever a route reaches them.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "check_invariant.hpp"
#include "harness.hpp"
#include "mesh_support.hpp"

using check_invariant::expect_clean;
using check_invariant::Owned;
using mesh_e2e::contains;
using mesh_e2e::host_object;

namespace {

const std::string kGatewayNs = "istio-system";

// Runs one plugin command that must succeed, then checks the invariant.
void step(const std::vector<std::string>& args, const Owned& owned, const std::vector<std::string>& allowed) {
    std::string line;
    for (const auto& a : args) {
        line += (line.empty() ? "" : " ") + a;
    }
    auto r = e2e::plugin(args);
    REQUIRE_MESSAGE(r.ok(), r.describe());
    expect_clean(line, owned, allowed);
}

std::vector<std::string> plus(std::vector<std::string> a, const std::vector<std::string>& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
}

}  // namespace

TEST_CASE("check invariant: HTTPS with a self-signed certificate, expose on an http-named port, stream, web, --remove") {
    const std::string host = e2e::unique_name("inv") + ".example.com";
    const std::string obj = host_object(host);
    const std::string shop = e2e::create_namespace("inv-shop");
    const std::string other = e2e::create_namespace("inv-other");
    // The port is named http: expose sets appProtocol: grpc and keeps the name.
    mesh_e2e::create_service(shop, "catalog", "  - {name: http, port: 9090}\n");
    mesh_e2e::create_service(other, "echo", "  - {name: metrics, port: 9091}\n  - {name: api, port: 9000}\n");
    Owned owned{{shop, other}, check_invariant::host_objects(host)};
    owned.objects.push_back("EnvoyFilter istio-system/grpc-web-ingressgateway");
    const std::string gw = "Gateway " + kGatewayNs + "/" + obj;
    const std::vector<std::string> no_route = {"GM0044 " + gw};
    const std::vector<std::string> no_secret = {"GM0022 " + gw};
    const std::vector<std::string> catalog_down = {"GM0030 Service " + shop + "/catalog"};
    const std::vector<std::string> both_down = plus(catalog_down, {"GM0030 Service " + other + "/echo"});
    e2e::TempDir dir;
    const std::string ca = (dir.path() / "ca.crt").string();

    step({"init", "--host", host}, owned, plus(no_secret, no_route));
    step({"tls", "--host", host, "--self-signed", "--ca-out", ca}, owned, no_route);

    // The host has a server and no route yet: drawn up to the server, the route BROKEN.
    auto drawn = e2e::plugin({"check", "--host", host});
    CHECK_MESSAGE(drawn.exit_code == 3, drawn.describe());
    CHECK_MESSAGE(contains(drawn.out, "└─ route: no VirtualService routes this host  BROKEN\n"), drawn.out);
    CHECK_MESSAGE(contains(drawn.out, "error GM0044 " + gw + ": no route serves " + host + ": every call gets 404 (NR)\n"),
                  drawn.out);
    CHECK(contains(drawn.out, "fix: kubectl grpcmesh expose SERVICE -n NS --host " + host + "\n"));
    // A host nothing serves at all: one line, exit 3.
    auto nothing = e2e::plugin({"check", "--host", "nothing-" + host});
    CHECK_MESSAGE(nothing.exit_code == 3, nothing.describe());
    CHECK(nothing.out.empty());
    CHECK(nothing.err == "nothing serves host \"nothing-" + host + "\": no Gateway server, VirtualService, Gateway API listener or route names it\n");

    step({"expose", "catalog", "-n", shop, "--host", host, "--grpc-service", "shop.Catalog"}, owned, catalog_down);
    CHECK(mesh_e2e::get("service", shop, "catalog")["spec"]["ports"][0]["appProtocol"] == "grpc");
    step({"expose", "echo", "-n", other, "--host", host, "--port", "9000"}, owned, both_down);
    step({"stream", "--host", host}, owned, both_down);
    step({"stream", "--host", host, "--grpc-service", "shop.Catalog", "--timeout", "30s", "--idle-timeout", "2m",
          "--max-connection-duration", "4h"},
         owned, both_down);
    step({"web", "--host", host, "--allow-origin", "https://app.example.com"}, owned, both_down);
    step({"web", "--host", host, "--remove"}, owned, both_down);
    step({"stream", "--host", host, "--remove"}, owned, both_down);
    step({"expose", "echo", "-n", other, "--host", host, "--remove"}, owned, catalog_down);
    step({"expose", "catalog", "-n", shop, "--host", host, "--remove"}, owned, no_route);
    step({"tls", "--host", host, "--remove"}, owned, plus(no_secret, no_route));
    step({"init", "--host", host, "--remove"}, owned, {});
}

TEST_CASE("check invariant: HTTPS and h2c on one host, a given certificate, a port already named grpc, --remove per server") {
    const std::string host = e2e::unique_name("inv-both") + ".example.com";
    const std::string obj = host_object(host);
    const std::string ns = e2e::create_namespace("inv-both");
    mesh_e2e::create_service(ns, "greeter", "  - {name: grpc, port: 50051}\n");
    const Owned owned{{ns}, check_invariant::host_objects(host)};
    const std::string gw = "Gateway " + kGatewayNs + "/" + obj;
    const std::vector<std::string> no_route = {"GM0044 " + gw};
    const std::vector<std::string> down = {"GM0030 Service " + ns + "/greeter"};
    e2e::TempDir dir;
    const auto [cert, key] = mesh_e2e::make_certificate(dir, host);

    step({"init", "--host", host, "--https", "--plaintext"}, owned, {"GM0022 " + gw, "GM0044 " + gw});
    step({"tls", "--host", host, "--cert", cert, "--key", key}, owned, no_route);
    step({"expose", "greeter", "-n", ns, "--host", host}, owned, down);
    step({"web", "--host", host, "--allow-origin", "https://app.example.com", "--allow-credentials"}, owned, down);
    step({"web", "--host", host, "--remove"}, owned, down);
    step({"expose", "greeter", "-n", ns, "--host", host, "--remove"}, owned, no_route);
    step({"init", "--host", host, "--plaintext", "--remove"}, owned, no_route);
    step({"tls", "--host", host, "--remove"}, owned, {"GM0022 " + gw, "GM0044 " + gw});
    step({"init", "--host", host, "--remove"}, owned, {});
}

TEST_CASE("check invariant: h2c only, expose --port-naming name, two Services on one host") {
    const std::string host = e2e::unique_name("inv-h2c") + ".example.com";
    const std::string obj = host_object(host);
    const std::string ns = e2e::create_namespace("inv-h2c");
    mesh_e2e::create_service(ns, "renamed", "  - {name: api, port: 50051}\n");
    mesh_e2e::create_service(ns, "labelled", "  - {name: api, port: 50051}\n");
    const Owned owned{{ns}, check_invariant::host_objects(host)};
    const std::string gw = "Gateway " + kGatewayNs + "/" + obj;
    const std::vector<std::string> renamed_down = {"GM0030 Service " + ns + "/renamed"};
    const std::vector<std::string> both_down = plus(renamed_down, {"GM0030 Service " + ns + "/labelled"});

    step({"init", "--host", host, "--plaintext"}, owned, {"GM0044 " + gw});
    step({"expose", "renamed", "-n", ns, "--host", host, "--port-naming", "name", "--grpc-service", "helloworld.Greeter",
          "--force-conflicts"},
         owned, renamed_down);
    step({"expose", "labelled", "-n", ns, "--host", host}, owned, both_down);
    step({"stream", "--host", host}, owned, both_down);
    step({"stream", "--host", host, "--remove"}, owned, both_down);
    step({"expose", "labelled", "-n", ns, "--host", host, "--remove"}, owned, renamed_down);
    step({"expose", "renamed", "-n", ns, "--host", host, "--port-naming", "name", "--remove"}, owned, {"GM0044 " + gw});
    step({"init", "--host", host, "--remove"}, owned, {});
}

TEST_CASE("check invariant: MUTUAL TLS with a client CA, a new CA, --remove") {
    const std::string host = e2e::unique_name("inv-mtls") + ".example.com";
    const std::string obj = host_object(host);
    const std::string ns = e2e::create_namespace("inv-mtls");
    mesh_e2e::create_service(ns, "greeter", "  - {name: api, port: 50051}\n");
    const Owned owned{{ns}, check_invariant::host_objects(host)};
    const std::string gw = "Gateway " + kGatewayNs + "/" + obj;
    const std::vector<std::string> no_route = {"GM0044 " + gw};
    e2e::TempDir dir;
    const auto [cert, key] = mesh_e2e::make_certificate(dir, host);
    const std::string ca = (dir.path() / "ca.crt").string();
    e2e::TempDir other;
    mesh_e2e::make_certificate(other, host);

    step({"init", "--host", host, "--client-ca", ca}, owned, {"GM0022 " + gw, "GM0044 " + gw});
    step({"tls", "--host", host, "--cert", cert, "--key", key}, owned, no_route);
    step({"tls", "--host", host, "--cert", cert, "--key", key, "--ca", (other.path() / "ca.crt").string()}, owned,
         no_route);
    step({"expose", "greeter", "-n", ns, "--host", host}, owned, {"GM0030 Service " + ns + "/greeter"});
    step({"expose", "greeter", "-n", ns, "--host", host, "--remove"}, owned, no_route);
    step({"tls", "--host", host, "--remove"}, owned, {"GM0022 " + gw, "GM0044 " + gw});
    step({"init", "--host", host, "--remove"}, owned, {});
}

TEST_CASE("check invariant: a gateway workload of its own, a moved credential, gateway idle timeout, web options") {
    // A gateway workload (Deployment, Pod, LoadBalancer Service) with labels of its own in a fresh namespace, where
    // init puts the Gateway and VirtualService and tls the Secret.
    const std::string ns = e2e::create_namespace("inv-gw");
    const std::string label = e2e::unique_name("inv-gw");
    const std::string labels = "{grpcmesh-gateway: " + label + ", app: own-gateway}";
    auto workload = e2e::apply_yaml(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: own-gateway\n  namespace: " + ns +
        "\nspec:\n  replicas: 1\n  selector:\n    matchLabels: " + labels + "\n  template:\n    metadata:\n"
        "      labels: " + labels + "\n    spec:\n      containers:\n      - {name: istio-proxy, image: "
        "docker.io/istio/proxyv2:1.31.0}\n"
        "---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: own-gateway-1\n  namespace: " + ns + "\n  labels: " + labels +
        "\nspec:\n  containers:\n  - {name: istio-proxy, image: docker.io/istio/proxyv2:1.31.0}\n"
        "---\napiVersion: v1\nkind: Service\nmetadata:\n  name: own-gateway\n  namespace: " + ns +
        "\nspec:\n  type: LoadBalancer\n  selector: " + labels + "\n  ports:\n"
        "  - {name: http2, port: 80, targetPort: 8080}\n  - {name: https, port: 443, targetPort: 8443}\n");
    REQUIRE_MESSAGE(workload.ok(), workload.describe());
    mesh_e2e::create_service(ns, "greeter", "  - {name: api, port: 50051}\n");
    const std::string host = e2e::unique_name("inv-gw") + ".example.com";
    const std::string obj = host_object(host);
    const Owned owned{{ns}, {}};
    const std::string gw = "Gateway " + ns + "/" + obj;
    const std::vector<std::string> no_route = {"GM0044 " + gw};
    const std::vector<std::string> down = {"GM0030 Service " + ns + "/greeter"};
    e2e::TempDir dir;
    const auto [cert, key] = mesh_e2e::make_certificate(dir, host);

    step({"init", "--host", host, "--selector", "grpcmesh-gateway=" + label}, owned, {"GM0022 " + gw, "GM0044 " + gw});
    step({"tls", "--host", host, "--self-signed", "--ca-out", (dir.path() / "self-ca.crt").string()}, owned, no_route);
    step({"tls", "--host", host, "--cert", cert, "--key", key, "--secret-name", obj + "-next"}, owned, no_route);
    step({"expose", "greeter", "-n", ns, "--host", host}, owned, down);
    step({"stream", "--host", host, "--gateway-idle-timeout", "1h"}, owned, down);
    step({"web", "--host", host, "--allow-origin-regex", "https://.*\\.example\\.com", "--allow-header", "x-tenant",
          "--max-age", "1h"},
         owned, down);
    step({"web", "--host", host, "--remove"}, owned, down);
    step({"stream", "--host", host, "--remove"}, owned, down);
    step({"expose", "greeter", "-n", ns, "--host", host, "--remove"}, owned, no_route);
    step({"tls", "--host", host, "--remove"}, owned, {"GM0022 " + gw, "GM0044 " + gw});
    step({"init", "--host", host, "--selector", "grpcmesh-gateway=" + label, "--remove"}, owned, {});
}

TEST_CASE("check invariant: expose --gateway to a wildcard Gateway written by hand, init on another port and credential") {
    const std::string ns = e2e::create_namespace("inv-wild");
    mesh_e2e::create_service(ns, "greeter", "  - {name: api, port: 50051}\n");
    const std::vector<std::string> down = {"GM0030 Service " + ns + "/greeter"};

    // A Gateway the team wrote for a whole domain, with its certificate; no route yet.
    const std::string domain = e2e::unique_name("inv-wild") + ".example.com";
    const std::string shared = host_object(domain);
    e2e::TempDir dir;
    const auto [wild_cert, wild_key] = mesh_e2e::make_certificate(dir, "*." + domain);
    auto secret = e2e::kubectl({"create", "secret", "tls", shared + "-cert", "-n", kGatewayNs, "--cert", wild_cert,
                                "--key", wild_key});
    REQUIRE_MESSAGE(secret.ok(), secret.describe());
    auto written = e2e::apply_yaml("apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata:\n  name: " + shared +
                                   "\n  namespace: " + kGatewayNs + "\nspec:\n  selector: {istio: ingressgateway}\n"
                                   "  servers:\n  - port: {number: 443, name: https, protocol: HTTPS}\n"
                                   "    hosts: ['*." + domain + "']\n    tls: {mode: SIMPLE, credentialName: " + shared +
                                   "-cert}\n");
    REQUIRE_MESSAGE(written.ok(), written.describe());
    const std::string host = "api." + domain;
    Owned owned{{ns}, check_invariant::host_objects(host)};
    owned.objects.push_back("Gateway " + kGatewayNs + "/" + shared);
    const std::vector<std::string> wildcard_unrouted = {"GM0044 Gateway " + kGatewayNs + "/" + shared};
    expect_clean("a wildcard Gateway without routes", owned, wildcard_unrouted);

    step({"expose", "greeter", "-n", ns, "--host", host, "--gateway", kGatewayNs + "/" + shared}, owned, down);
    step({"stream", "--host", host}, owned, down);
    step({"stream", "--host", host, "--remove"}, owned, down);
    step({"expose", "greeter", "-n", ns, "--host", host, "--gateway", kGatewayNs + "/" + shared, "--remove"}, owned,
         wildcard_unrouted);
    e2e::kubectl({"delete", "gateway.networking.istio.io", shared, "-n", kGatewayNs});
    e2e::kubectl({"delete", "secret", shared + "-cert", "-n", kGatewayNs});

    // init on the Service's target port with a credential name of its own
    const std::string other = e2e::unique_name("inv-port") + ".example.com";
    const std::string gw = "Gateway " + kGatewayNs + "/" + host_object(other);
    const Owned mine{{ns}, check_invariant::host_objects(other)};
    step({"init", "--host", other, "--https-port", "8443", "--credential-name", host_object(other) + "-cred"}, mine,
         {"GM0022 " + gw, "GM0044 " + gw});
    step({"tls", "--host", other, "--self-signed", "--ca-out", (dir.path() / "other-ca.crt").string()}, mine,
         {"GM0044 " + gw});
    step({"expose", "greeter", "-n", ns, "--host", other}, mine, down);
    step({"expose", "greeter", "-n", ns, "--host", other, "--remove"}, mine, {"GM0044 " + gw});
    step({"tls", "--host", other, "--remove"}, mine, {"GM0022 " + gw, "GM0044 " + gw});
    step({"init", "--host", other, "--remove"}, mine, {});
}

TEST_CASE("check invariant: expose's retry flags, and a per-try timeout next to stream") {
    const std::string host = e2e::unique_name("inv-retry") + ".example.com";
    const std::string obj = host_object(host);
    const std::string ns = e2e::create_namespace("inv-retry");
    mesh_e2e::create_service(ns, "greeter", "  - {name: api, port: 50051}\n");
    const Owned owned{{ns}, check_invariant::host_objects(host)};
    const std::string gw = "Gateway " + kGatewayNs + "/" + obj;
    const std::string vs = "VirtualService " + kGatewayNs + "/" + obj;
    const std::vector<std::string> down = {"GM0030 Service " + ns + "/greeter"};
    const std::vector<std::string> expose = {"expose", "greeter", "-n", ns, "--host", host, "--grpc-service",
                                             "helloworld.Greeter"};

    step({"init", "--host", host, "--plaintext"}, owned, {"GM0044 " + gw});
    step(plus(expose, {"--retries", "3", "--retry-on", "unavailable,resource-exhausted"}), owned, down);
    step(plus(expose, {"--retries", "0"}), owned, down);  // retries off: an info, nothing to change
    step(expose, owned, down);                            // back to Istio's default policy
    // What the flags ask for knowingly, and expose warns about as it sets it: a list without a gRPC status
    // (GM0045) and a per-try timeout, which cuts longer server streams (GM0046).
    step(plus(expose, {"--retries", "2", "--retry-on", "5xx,connect-failure"}), owned,
         plus(down, {"GM0045 " + vs}));
    step(plus(expose, {"--retries", "2", "--retry-on", "unavailable", "--per-try-timeout", "2s"}), owned,
         plus(down, {"GM0046 " + vs}));
    step(expose, owned, down);
    step({"stream", "--host", host}, owned, down);
    step({"stream", "--host", host, "--remove"}, owned, down);
    step({"expose", "greeter", "-n", ns, "--host", host, "--remove"}, owned, {"GM0044 " + gw});
    step({"init", "--host", host, "--remove"}, owned, {});
}
