// init, tls and expose against the control plane with the simulated Istio
// install: the full HTTPS flow for two Services in two namespaces, a second
// run that changes nothing, istioctl validate/analyze, and --remove restoring
// every object it touched.
#include <doctest/doctest.h>

#include <algorithm>

#include "harness.hpp"
#include "mesh_support.hpp"

using namespace mesh_e2e;

namespace {

const std::string kGatewayNs = "istio-system";

void istioctl_validate(const e2e::TempDir& dir, const std::string& kind, const std::string& ns, const std::string& name) {
    auto y = e2e::kubectl({"get", kind, name, "-n", ns, "-o", "yaml"});
    REQUIRE_MESSAGE(y.ok(), y.describe());
    auto file = dir.write(name + "-" + kind + ".yaml", y.out);
    auto v = e2e::istioctl({"validate", "-f", file.string()});
    CHECK_MESSAGE(v.ok(), v.describe());
}

}  // namespace

TEST_CASE("init, tls and expose: HTTPS for two Services in two namespaces, idempotent, undone by --remove") {
    const std::string host = e2e::unique_name("grpc") + ".example.com";
    const std::string obj = host_object(host);
    const std::string ns1 = e2e::create_namespace("apps");
    const std::string ns2 = e2e::create_namespace("other");
    create_service(ns1, "greeter", "  - {name: api, port: 50051}\n");
    create_service(ns2, "echo", "  - {name: metrics, port: 9090}\n  - {name: api, port: 9000}\n");
    const auto greeter_before = snapshot("service", ns1, "greeter");
    const auto echo_before = snapshot("service", ns2, "echo");
    e2e::TempDir dir;
    const auto [cert, key] = make_certificate(dir, host);

    // init: a Gateway in the gateway pods' namespace, warning about the Secret
    auto init = e2e::plugin({"init", "--host", host});
    REQUIRE_MESSAGE(init.ok(), init.describe());
    CHECK(init.out == "gateway.networking.istio.io/" + obj + " created\n");
    CHECK(contains(init.err, "Warning: Secret istio-system/" + obj + "-tls does not exist yet"));
    json gw = get("gateway.networking.istio.io", kGatewayNs, obj);
    CHECK(gw["metadata"]["labels"]["app.kubernetes.io/managed-by"] == "kubectl-grpcmesh");
    CHECK(gw["spec"]["servers"][0]["tls"] == json{{"mode", "SIMPLE"}, {"credentialName", obj + "-tls"}});
    CHECK(gw["spec"]["servers"][0]["port"]["number"] == 443);

    // tls: the Secret in the workload namespace; no key material printed
    auto tls = e2e::plugin({"tls", "--host", host, "--cert", cert, "--key", key, "-o", "yaml"});
    REQUIRE_MESSAGE(tls.ok(), tls.describe());
    CHECK(contains(tls.out, "tls.key: REDACTED"));
    CHECK_FALSE(contains(tls.out + tls.err, "PRIVATE KEY"));
    json secret = get("secret", kGatewayNs, obj + "-tls");
    CHECK(secret["type"] == "kubernetes.io/tls");

    // expose: two Services, two namespaces, one host
    auto e1 = e2e::plugin({"expose", "greeter", "-n", ns1, "--host", host, "--grpc-service", "helloworld.Greeter"});
    REQUIRE_MESSAGE(e1.ok(), e1.describe());
    auto e2 = e2e::plugin({"expose", "echo", "-n", ns2, "--host", host, "--port", "9000"});
    REQUIRE_MESSAGE(e2.ok(), e2.describe());
    CHECK(contains(e2.err, "/helloworld.Greeter/   greeter." + ns1 + ".svc.cluster.local:50051"));
    CHECK(contains(e2.err, "Warning: Service " + ns2 + "/echo has no ready endpoints"));
    CHECK(get("service", ns1, "greeter")["spec"]["ports"][0]["appProtocol"] == "grpc");
    json echo = get("service", ns2, "echo");
    CHECK(echo["spec"]["ports"][1]["appProtocol"] == "grpc");
    CHECK(echo["spec"]["ports"][1]["name"] == "api");  // not renamed
    CHECK_FALSE(echo["spec"]["ports"][0].contains("appProtocol"));
    json vs = get("virtualservice.networking.istio.io", kGatewayNs, obj);
    CHECK(vs["spec"]["gateways"] == json{"istio-system/" + obj});
    CHECK(vs["spec"]["http"] == json::parse(R"([
      {"match": [{"uri": {"prefix": "/helloworld.Greeter/"}}],
       "route": [{"destination": {"host": "greeter.)" + ns1 + R"(.svc.cluster.local", "port": {"number": 50051}}}]},
      {"route": [{"destination": {"host": "echo.)" + ns2 + R"(.svc.cluster.local", "port": {"number": 9000}}}]}
    ])"));

    // a second run changes nothing
    const std::vector<std::vector<std::string>> again = {
        {"init", "--host", host},
        {"tls", "--host", host, "--cert", cert, "--key", key},
        {"expose", "greeter", "-n", ns1, "--host", host, "--grpc-service", "helloworld.Greeter"},
        {"expose", "echo", "-n", ns2, "--host", host, "--port", "9000"},
    };
    for (const auto& args : again) {
        auto r = e2e::plugin(args);
        REQUIRE_MESSAGE(r.ok(), r.describe());
        CHECK_MESSAGE(lines(r.out) >= 1, r.describe());
        for (size_t start = 0; start < r.out.size();) {
            const size_t end = r.out.find('\n', start);
            const std::string line = r.out.substr(start, end - start);
            CHECK_MESSAGE(line.size() > 10, r.describe());
            CHECK_MESSAGE(line.substr(line.size() - 10) == " unchanged", r.describe());
            start = end + 1;
        }
    }

    // every object passes istioctl validate; istioctl analyze finds nothing about them
    istioctl_validate(dir, "gateway.networking.istio.io", kGatewayNs, obj);
    istioctl_validate(dir, "virtualservice.networking.istio.io", kGatewayNs, obj);
    auto analyze = e2e::istioctl({"analyze", "--all-namespaces"});
    INFO(analyze.describe());
    // 0: clean; 79/80: errors/warnings found (about other tests' objects, checked below)
    CHECK((analyze.exit_code == 0 || analyze.exit_code == 79 || analyze.exit_code == 80));
    CHECK_FALSE(contains(analyze.out + analyze.err, obj));
    CHECK_FALSE(contains(analyze.out + analyze.err, "greeter." + ns1));
    CHECK_FALSE(contains(analyze.out + analyze.err, "echo." + ns2));

    // --remove restores every object it touched
    for (const auto& args : std::vector<std::vector<std::string>>{
             {"expose", "echo", "-n", ns2, "--host", host, "--remove"},
             {"expose", "greeter", "-n", ns1, "--host", host, "--remove"},
             {"tls", "--host", host, "--remove"},
             {"init", "--host", host, "--remove"}}) {
        auto r = e2e::plugin(args);
        REQUIRE_MESSAGE(r.ok(), r.describe());
    }
    CHECK(snapshot("service", ns1, "greeter") == greeter_before);
    CHECK(snapshot("service", ns2, "echo") == echo_before);
    CHECK_FALSE(snapshot("virtualservice.networking.istio.io", kGatewayNs, obj).has_value());
    CHECK_FALSE(snapshot("secret", kGatewayNs, obj + "-tls").has_value());
    CHECK_FALSE(snapshot("gateway.networking.istio.io", kGatewayNs, obj).has_value());
}

TEST_CASE("init --plaintext: an h2c-only host routed through protocol HTTP2 with no tls block") {
    const std::string host = e2e::unique_name("h2c") + ".example.com";
    const std::string obj = host_object(host);
    const std::string ns = e2e::create_namespace("h2c");
    create_service(ns, "greeter", "  - {name: grpc, port: 50051}\n");
    auto init = e2e::plugin({"init", "--host", host, "--plaintext"});
    REQUIRE_MESSAGE(init.ok(), init.describe());
    CHECK_FALSE(contains(init.err, "Warning"));  // no Secret needed
    json gw = get("gateway.networking.istio.io", kGatewayNs, obj);
    REQUIRE(gw["spec"]["servers"].size() == 1);
    CHECK(gw["spec"]["servers"][0]["port"] == json{{"name", "http2-80"}, {"number", 80}, {"protocol", "HTTP2"}});
    CHECK_FALSE(gw["spec"]["servers"][0].contains("tls"));
    auto e = e2e::plugin({"expose", "greeter", "-n", ns, "--host", host});
    REQUIRE_MESSAGE(e.ok(), e.describe());
    // the port is named grpc: already HTTP/2 for Istio, so the Service is not touched
    CHECK(contains(e.err, "Port 50051 of Service " + ns + "/greeter is already HTTP/2 for Istio (name grpc)"));
    CHECK_FALSE(get("service", ns, "greeter")["spec"]["ports"][0].contains("appProtocol"));
    e2e::TempDir dir;
    istioctl_validate(dir, "gateway.networking.istio.io", kGatewayNs, obj);
    istioctl_validate(dir, "virtualservice.networking.istio.io", kGatewayNs, obj);
    REQUIRE(e2e::plugin({"expose", "greeter", "-n", ns, "--host", host, "--remove"}).ok());
    // a server dry run of --remove deletes nothing
    auto dry = e2e::plugin({"init", "--host", host, "--remove", "--dry-run=server"});
    REQUIRE_MESSAGE(dry.ok(), dry.describe());
    CHECK(dry.out == "gateway.networking.istio.io/" + obj + " deleted (server dry run)\n");
    CHECK(snapshot("gateway.networking.istio.io", kGatewayNs, obj).has_value());
    REQUIRE(e2e::plugin({"init", "--host", host, "--remove"}).ok());
    CHECK_FALSE(snapshot("gateway.networking.istio.io", kGatewayNs, obj).has_value());
}

TEST_CASE("tls --self-signed writes the CA for clients and the CA key only on request, mode 0600") {
    const std::string host = e2e::unique_name("self") + ".example.com";
    const std::string obj = host_object(host);
    REQUIRE(e2e::plugin({"init", "--host", host}).ok());
    e2e::TempDir dir;
    const auto ca = dir.path() / "ca.crt";
    const auto ca_key = dir.path() / "ca.key";
    auto r = e2e::plugin({"tls", "--host", host, "--self-signed", "--ca-out", ca.string(), "--ca-key-out", ca_key.string()});
    REQUIRE_MESSAGE(r.ok(), r.describe());
    CHECK(contains(e2e::read_file(ca), "BEGIN CERTIFICATE"));
    CHECK((std::filesystem::status(ca_key).permissions() & std::filesystem::perms::all) ==
          (std::filesystem::perms::owner_read | std::filesystem::perms::owner_write));
    auto verify = e2e::run({"openssl", "verify", "-CAfile", ca.string(), "/dev/stdin"},
                           {.stdin_data = [&] {
                                auto s = e2e::kubectl({"get", "secret", obj + "-tls", "-n", kGatewayNs, "-o",
                                                       "jsonpath={.data.tls\\.crt}"});
                                return e2e::run({"base64", "-d"}, {.stdin_data = s.out}).out;
                            }()});
    CHECK_MESSAGE(verify.ok(), verify.describe());
    // a second --self-signed rotates and reports old and new certificates
    auto again = e2e::plugin({"tls", "--host", host, "--self-signed", "--ca-out", ca.string()});
    REQUIRE_MESSAGE(again.ok(), again.describe());
    CHECK(contains(again.err, "Rotated the certificate in Secret istio-system/" + obj + "-tls: old expires"));
    REQUIRE(e2e::plugin({"tls", "--host", host, "--remove"}).ok());
    REQUIRE(e2e::plugin({"init", "--host", host, "--remove"}).ok());
}
