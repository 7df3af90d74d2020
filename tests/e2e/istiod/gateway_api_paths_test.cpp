// check's path and grpcurl --host for the Gateway API, against the real
// istiod (the "controlplane-istiod" fixture): istiod deploys the Gateway's
// Service (<gateway>-istio) and writes the Gateway's status.addresses from
// it. No load-balancer controller runs here, so the test plays that one part:
// it gives the Service istiod made a load-balancer ingress of 127.0.0.1, as a
// cloud's controller would; the address check and grpcurl then read is the
// one istiod wrote into the Gateway's status from it.
#include <doctest/doctest.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "harness.hpp"
#include "istiod/istiod_support.hpp"
#include "mesh_support.hpp"

using namespace mesh_e2e;
using istiod_e2e::eventually;

namespace {

void must(const e2e::Result& r) { REQUIRE_MESSAGE(r.ok(), r.describe()); }

// The JSON the test server echoes for a call (grpcurl -v prints it after
// "Response contents:").
json echoed_call(const std::string& out) {
    const std::string body = out.substr(out.find("\nResponse contents:\n") + 20);
    return json::parse(body.substr(0, body.find("\n}\n") + 2)).at("call");
}

// The values istiod wrote in the Gateway's status.addresses, once it wrote
// `wanted` among them.
std::optional<json> status_address(const std::string& ns, const std::string& gateway, const std::string& wanted) {
    return eventually([&]() -> std::optional<json> {
        auto g = snapshot("gateway.gateway.networking.k8s.io", ns, gateway);
        if (!g) {
            return std::nullopt;
        }
        for (const auto& a : g->value("status", json::object()).value("addresses", json::array())) {
            if (a.value("value", "") == wanted) {
                return g->value("status", json::object()).value("addresses", json::array());
            }
        }
        return std::nullopt;
    });
}

// Waits for the Service istiod deploys for the Gateway and gives it a ready
// endpoint on the listener's port, as the EndpointSlice controller would for
// the gateway pod a kubelet would run (none runs here): istiod reports an
// address only for a Service with instances on the listener port.
void gateway_endpoint(const std::string& ns, const std::string& gateway, const std::string& listener, int port) {
    auto svc = eventually([&] { return snapshot("service", ns, gateway + "-istio"); });
    REQUIRE_MESSAGE(svc.has_value(), "istiod created no Service " << ns << "/" << gateway << "-istio");
    must(e2e::apply_yaml("apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata:\n  name: " + gateway +
                         "-istio-e2e\n  namespace: " + ns + "\n  labels: {kubernetes.io/service-name: " + gateway +
                         "-istio}\naddressType: IPv4\nports:\n- {name: " + listener + ", port: " + std::to_string(port) +
                         ", protocol: TCP}\nendpoints:\n- addresses: [10.244.0.9]\n  conditions: {ready: true}\n"));
}

// Gives the Service istiod deployed the load-balancer ingress 127.0.0.1 and
// waits for istiod to report it.
void load_balancer_on_loopback(const std::string& ns, const std::string& gateway) {
    must(e2e::kubectl({"patch", "-n", ns, "service", gateway + "-istio", "--subresource=status", "--type=merge", "-p",
                       R"({"status":{"loadBalancer":{"ingress":[{"ip":"127.0.0.1"}]}}})"}));
    auto addresses = status_address(ns, gateway, "127.0.0.1");
    REQUIRE_MESSAGE(addresses.has_value(), "istiod did not write 127.0.0.1 in the status of Gateway " << ns << "/"
                                                                                                         << gateway);
}

}  // namespace

TEST_CASE("istiod Gateway API: check draws the path from the status.addresses istiod wrote to the endpoints") {
    const std::string ns = e2e::create_namespace("gwpath");
    const std::string host = e2e::unique_name("gwpath") + ".example.com";
    must(e2e::apply_yaml("apiVersion: v1\nkind: Service\nmetadata: {name: greeter, namespace: " + ns +
                         "}\nspec:\n  ports:\n  - {name: api, port: 50051, appProtocol: kubernetes.io/h2c}\n"));
    must(e2e::apply_yaml("apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: gw, namespace: " +
                         ns + "}\nspec:\n  gatewayClassName: istio\n  listeners:\n"
                         "  - {name: h2c, port: 80, protocol: HTTP, hostname: " + host + "}\n"));
    must(e2e::apply_yaml("apiVersion: gateway.networking.k8s.io/v1\nkind: GRPCRoute\nmetadata: {name: greeter, "
                         "namespace: " + ns + "}\nspec:\n  parentRefs: [{name: gw}]\n  hostnames: [" + host +
                         "]\n  rules:\n  - matches: [{method: {service: helloworld.Greeter}}]\n"
                         "    backendRefs: [{name: greeter, port: 50051}]\n"));

    gateway_endpoint(ns, "gw", "h2c", 80);
    // A LoadBalancer Service without an ingress is "address pending" to
    // istiod, which then writes no status.addresses: check draws the Service.
    e2e::Result before = e2e::plugin({"check", "-n", ns, "--host", host, "--fail-on", "none"});
    REQUIRE_MESSAGE(before.ok(), before.describe());
    CHECK_MESSAGE(before.out.find("└─ load balancer: " + ns + "/gw-istio LoadBalancer no external address (Gateway " +
                                  ns + "/gw has no status.addresses)  ") != std::string::npos,
                  before.out);

    load_balancer_on_loopback(ns, "gw");
    e2e::Result r = e2e::plugin({"check", "-n", ns, "--host", host, "--fail-on", "none"});
    REQUIRE_MESSAGE(r.ok(), r.describe());
    INFO(r.out);
    CHECK(r.out.rfind(host + "\n  client\n", 0) == 0);
    CHECK(r.out.find("└─ load balancer: " + ns + "/gw status.addresses 127.0.0.1; Service " + ns +
                     "/gw-istio LoadBalancer  ") != std::string::npos);
    CHECK(r.out.find("└─ gateway server: " + ns + "/gw listener h2c :80 HTTP hostname " + host + "  ") !=
          std::string::npos);
    CHECK(r.out.find("└─ route: GRPCRoute " + ns + "/greeter rule 0  ") != std::string::npos);
    CHECK(r.out.find("└─ service port: " + ns + "/greeter:50051 HTTP2  ") != std::string::npos);
    // No pod backs greeter here: the endpoints hop is broken, with GM0030.
    CHECK(r.out.find("└─ endpoints: " + ns + "/greeter: 0 of 0 ready  BROKEN") != std::string::npos);
    CHECK(r.out.find("error GM0030 Service " + ns + "/greeter") != std::string::npos);

    e2e::Result j = e2e::plugin({"check", "-n", ns, "--host", host, "--fail-on", "none", "-o", "json"});
    REQUIRE_MESSAGE(j.ok(), j.describe());
    json doc = json::parse(j.out);
    CHECK(doc["schemaVersion"] == 2);
    REQUIRE(doc["paths"].size() == 1);
    CHECK(doc["paths"][0]["host"] == host);
    CHECK(doc["paths"][0]["hops"][0]["label"] ==
          ns + "/gw status.addresses 127.0.0.1; Service " + ns + "/gw-istio LoadBalancer");
}

TEST_CASE("istiod Gateway API: grpcurl --host reaches the test server through the listener and istiod's address") {
    const std::string ns = e2e::create_namespace("gwcurl");
    const std::string host = e2e::unique_name("gwcurl") + ".example.com";
    // The "gateway": the test server on loopback, on the listener's port (the
    // port istiod gives the Service it deploys).
    e2e::TestServer server;
    const std::string port = std::to_string(server.port());
    must(e2e::apply_yaml("apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: gw, namespace: " +
                         ns + "}\nspec:\n  gatewayClassName: istio\n  listeners:\n"
                         "  - {name: h2c, port: " + port + ", protocol: HTTP, hostname: \"*." +
                         host.substr(host.find('.') + 1) + "\"}\n"));
    gateway_endpoint(ns, "gw", "h2c", server.port());
    load_balancer_on_loopback(ns, "gw");

    e2e::Result r = e2e::plugin({"grpcurl", "-v", "-plaintext", "--host", host, "-d",
                                 R"({"message": "through a Gateway API listener"})", "grpcmesh.test.v1.TestService/Echo"});
    REQUIRE_MESSAGE(r.ok(), r.describe());
    CHECK(r.err.find("Resolved --host " + host + ":\n  host " + host + ": Gateway API Gateway " + ns +
                     "/gw listener h2c (HTTP port " + port + ", hostname *." + host.substr(host.find('.') + 1) +
                     ")\n") != std::string::npos);
    CHECK(r.err.find("  address 127.0.0.1:" + port + " from status.addresses[0] (IPAddress)\n") != std::string::npos);
    CHECK(r.err.find("  h2c (plaintext) with :authority " + host + "\n") != std::string::npos);
    const std::string body = r.out.substr(r.out.find("\nResponse contents:\n") + 20);
    json call = json::parse(body.substr(0, body.find("\n}\n") + 2)).at("call");
    CHECK(call.at("authority") == host);
    CHECK(server.log().find("\"authority\":\"" + host + "\"") != std::string::npos);

    // A host neither API serves: one line naming both.
    e2e::Result none = e2e::plugin({"grpcurl", "--host", "nobody-" + host + ".invalid", "list"});
    CHECK(none.exit_code == 1);
    CHECK(none.err.rfind("error: no Istio Gateway server (networking.istio.io) serves host \"nobody-" + host +
                         ".invalid\" over HTTPS, HTTP2, GRPC or HTTP, and no Gateway API listener (gateway.networking.k8s.io)",
                         0) == 0);
    CHECK(std::count(none.err.begin(), none.err.end(), '\n') == 1);
}

TEST_CASE("istiod Gateway API: grpcurl --host over an HTTPS Terminate listener sends SNI and checks the certificate") {
    const std::string ns = e2e::create_namespace("gwtls");
    const std::string host = e2e::unique_name("gwtls") + ".example.com";
    e2e::TempDir pki("grpcmesh-e2e-pki");
    const auto [cert, key] = make_certificate(pki, host);  // signed by pki/ca.crt
    // The "gateway": a TLS test server on loopback, on the listener's port,
    // serving the certificate the listener's Secret holds.
    e2e::TestServer server({"--tls-cert", cert, "--tls-key", key});
    const std::string port = std::to_string(server.port());
    must(e2e::kubectl({"create", "secret", "tls", "api-cert", "-n", ns, "--cert", cert, "--key", key}));
    must(e2e::apply_yaml("apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: gw, namespace: " +
                         ns + "}\nspec:\n  gatewayClassName: istio\n  listeners:\n"
                         "  - name: https\n    port: " + port + "\n    protocol: HTTPS\n    hostname: " + host +
                         "\n    tls: {mode: Terminate, certificateRefs: [{name: api-cert}]}\n"));
    gateway_endpoint(ns, "gw", "https", server.port());
    load_balancer_on_loopback(ns, "gw");

    e2e::Result r = e2e::plugin({"grpcurl", "-v", "--host", host, "-cacert", (pki.path() / "ca.crt").string(), "-d",
                                 R"({"message": "through a Terminate listener"})", "grpcmesh.test.v1.TestService/Echo"});
    REQUIRE_MESSAGE(r.ok(), r.describe());
    CHECK(r.err.find("  host " + host + ": Gateway API Gateway " + ns + "/gw listener https (HTTPS port " + port +
                     ", TLS Terminate, hostname " + host + ")\n") != std::string::npos);
    CHECK(r.err.find("  address 127.0.0.1:" + port + " from status.addresses[0] (IPAddress)\n") != std::string::npos);
    CHECK(r.err.find("  TLS with SNI and :authority " + host + "\n") != std::string::npos);
    json call = echoed_call(r.out);
    CHECK(call.at("sni") == host);
    CHECK(call.at("authority") == host);

    // Verified against the system's roots, not the test CA: refused, one line.
    e2e::Result untrusted = e2e::plugin({"grpcurl", "--host", host, "list"});
    CHECK(untrusted.exit_code != 0);
    CHECK(untrusted.out.empty());
    CHECK(std::count(untrusted.err.begin(), untrusted.err.end(), '\n') == 1);
    CHECK_MESSAGE(untrusted.err.find("certificate") != std::string::npos, untrusted.err);
}

TEST_CASE("istiod Gateway API: grpcurl --host falls back to the NodePort of the Service istiod deployed") {
    const std::string ns = e2e::create_namespace("gwnp");
    const std::string host = e2e::unique_name("gwnp") + ".example.com";
    must(e2e::apply_yaml("apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: gw, namespace: " +
                         ns + "}\nspec:\n  gatewayClassName: istio\n  listeners:\n"
                         "  - {name: h2c, port: 80, protocol: HTTP, hostname: " + host + "}\n"));
    gateway_endpoint(ns, "gw", "h2c", 80);
    // istiod's Service is a LoadBalancer; the API server gave its port a node
    // port. No load-balancer controller runs, so there is no ingress address.
    std::optional<json> found = eventually([&]() -> std::optional<json> {
        e2e::Result np = e2e::kubectl({"get", "-n", ns, "service", "gw-istio", "-o",
                                       "jsonpath={.spec.ports[?(@.port==80)].nodePort}"});
        return np.ok() && !np.out.empty() ? std::optional<json>(np.out) : std::nullopt;
    });
    REQUIRE_MESSAGE(found.has_value(), "the Service istiod deployed has no node port for port 80");
    const std::optional<std::string> node_port = found->get<std::string>();

    // No Node has an address yet: one line that says what to do.
    e2e::Result none = e2e::plugin({"grpcurl", "-plaintext", "--host", host, "list"});
    CHECK(none.exit_code == 1);
    CHECK(none.err == "error: the Gateway API Gateway " + ns + "/gw has no external address (status.addresses: none; "
                      "Service " + ns + "/gw-istio: no load-balancer ingress, no reachable NodePort): add "
                      "--port-forward to tunnel through kubectl port-forward\n");

    e2e::TestServer server({"--port", *node_port});
    const std::string node = e2e::unique_name("gwnp-node");
    must(e2e::apply_yaml("apiVersion: v1\nkind: Node\nmetadata:\n  name: " + node + "\n"));
    must(e2e::kubectl({"patch", "node", node, "--subresource=status", "--type=merge", "-p",
                       R"({"status":{"addresses":[{"type":"InternalIP","address":"127.0.0.1"}]}})"}));
    e2e::Result r = e2e::plugin({"grpcurl", "-v", "-plaintext", "--host", host, "-d", R"({"message": "via node port"})",
                                 "grpcmesh.test.v1.TestService/Echo"});
    e2e::kubectl({"delete", "node", node, "--wait=false"});
    REQUIRE_MESSAGE(r.ok(), r.describe());
    CHECK(r.err.find("  address 127.0.0.1:" + *node_port + ": no external address, so NodePort " + *node_port +
                     " on a node\n") != std::string::npos);
    CHECK(r.err.find("  h2c (plaintext) with :authority " + host + "\n") != std::string::npos);
    CHECK(echoed_call(r.out).at("authority") == host);
}

TEST_CASE("istiod Gateway API: a manual deployment (spec.addresses names a Service) is reached through that Service") {
    const std::string ns = e2e::create_namespace("gwmanual");
    const std::string host = e2e::unique_name("gwmanual") + ".example.com";
    e2e::TestServer server;
    const std::string port = std::to_string(server.port());
    // The existing gateway's Service, with a load-balancer address and a
    // ready gateway pod behind the listener's port.
    must(e2e::apply_yaml("apiVersion: v1\nkind: Service\nmetadata: {name: edge, namespace: " + ns +
                         "}\nspec:\n  type: LoadBalancer\n  selector: {app: edge}\n  ports:\n  - {name: h2c, port: " +
                         port + "}\n"));
    must(e2e::kubectl({"patch", "-n", ns, "service", "edge", "--subresource=status", "--type=merge", "-p",
                       R"({"status":{"loadBalancer":{"ingress":[{"ip":"127.0.0.1"}]}}})"}));
    must(e2e::apply_yaml("apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata:\n  name: edge-e2e\n"
                         "  namespace: " + ns + "\n  labels: {kubernetes.io/service-name: edge}\naddressType: IPv4\n"
                         "ports:\n- {name: h2c, port: " + port + ", protocol: TCP}\nendpoints:\n"
                         "- addresses: [10.244.0.19]\n  conditions: {ready: true}\n"));
    must(e2e::apply_yaml("apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: gw, namespace: " +
                         ns + "}\nspec:\n  gatewayClassName: istio\n  addresses: [{type: Hostname, value: edge}]\n"
                         "  listeners:\n  - {name: h2c, port: " + port + ", protocol: HTTP, hostname: " + host + "}\n"));
    // istiod binds the Gateway to edge: it writes edge's address into the
    // Gateway's status, and deploys nothing of its own.
    auto addresses = status_address(ns, "gw", "127.0.0.1");
    REQUIRE_MESSAGE(addresses.has_value(), "istiod did not write edge's address in the status of Gateway " << ns << "/gw");
    CHECK_FALSE(snapshot("service", ns, "gw-istio").has_value());

    e2e::Result r = e2e::plugin({"grpcurl", "-v", "-plaintext", "--host", host, "-d", R"({"message": "manual"})",
                                 "grpcmesh.test.v1.TestService/Echo"});
    REQUIRE_MESSAGE(r.ok(), r.describe());
    CHECK(r.err.find("  gateway Service " + ns + "/edge (LoadBalancer), named by its spec.addresses (manual "
                     "deployment)\n") != std::string::npos);
    CHECK(r.err.find("  address 127.0.0.1:" + port + " from status.addresses[0] (IPAddress)\n") != std::string::npos);
    CHECK(echoed_call(r.out).at("authority") == host);

    e2e::Result c = e2e::plugin({"check", "-n", ns, "--host", host, "--fail-on", "none"});
    REQUIRE_MESSAGE(c.ok(), c.describe());
    CHECK_MESSAGE(c.out.find("└─ load balancer: " + ns + "/gw status.addresses 127.0.0.1; Service " + ns +
                             "/edge LoadBalancer  ") != std::string::npos,
                  c.out);

    // A Service of another namespace: istiod looks for it in the Gateway's
    // namespace only, and says so in the Gateway's status.
    const std::string far = "far." + host;
    must(e2e::apply_yaml("apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: far, namespace: " +
                         ns + "}\nspec:\n  gatewayClassName: istio\n  addresses: [{type: Hostname, value: "
                         "istio-ingressgateway.istio-system.svc.cluster.local}]\n  listeners:\n"
                         "  - {name: h2c, port: 80, protocol: HTTP, hostname: " + far + "}\n"));
    auto refused = eventually([&]() -> std::optional<json> {
        auto g = snapshot("gateway.gateway.networking.k8s.io", ns, "far");
        const std::string status = g ? g->value("status", json::object()).dump() : "";
        return status.find("not found in namespace") != std::string::npos ? g : std::nullopt;
    });
    REQUIRE_MESSAGE(refused.has_value(), "istiod did not report that the Service is not in namespace " << ns);
    e2e::Result elsewhere = e2e::plugin({"grpcurl", "-plaintext", "--host", far, "list"});
    CHECK(elsewhere.exit_code == 1);
    CHECK(elsewhere.err.find("its spec.addresses names Service istio-system/istio-ingressgateway, but istiod binds a "
                             "manual deployment only to a Service of the Gateway's own namespace") != std::string::npos);
    CHECK(std::count(elsewhere.err.begin(), elsewhere.err.end(), '\n') == 1);
}
