// Conflicts and bad input for init, tls and expose: one line, exit 1, and
// nothing changed in the cluster.
#include <doctest/doctest.h>

#include <algorithm>

#include "harness.hpp"
#include "mesh_support.hpp"

using namespace mesh_e2e;

namespace {

// Every object a failed command could have touched, for before/after checks.
struct State {
    std::optional<json> service;
    std::optional<json> gateway;
    std::optional<json> virtual_service;
    std::optional<json> secret;
    bool operator==(const State&) const = default;
};

State state(const std::string& ns, const std::string& service, const std::string& obj) {
    return State{snapshot("service", ns, service), snapshot("gateway.networking.istio.io", "istio-system", obj),
                 snapshot("virtualservice.networking.istio.io", "istio-system", obj),
                 snapshot("secret", "istio-system", obj + "-tls")};
}

void fails_cleanly(const std::vector<std::string>& args, const std::string& expected_start, const State& before,
                   const std::string& ns, const std::string& service, const std::string& obj) {
    auto r = e2e::plugin(args);
    INFO(r.describe());
    CHECK(r.exit_code == 1);
    CHECK(r.out.empty());
    CHECK(lines(r.err) == 1);
    CHECK(r.err.rfind("error: " + expected_start, 0) == 0);
    CHECK(state(ns, service, obj) == before);
}

}  // namespace

TEST_CASE("expose: appProtocol owned by another manager is a conflict naming it, --force-conflicts wins") {
    const std::string host = e2e::unique_name("conflict") + ".example.com";
    std::string obj = host;
    std::replace(obj.begin(), obj.end(), '.', '-');
    const std::string ns = e2e::create_namespace("conflict");
    create_service(ns, "greeter", "  - {name: grpc, port: 50051}\n");
    auto other = e2e::apply_yaml("apiVersion: v1\nkind: Service\nmetadata:\n  name: greeter\n  namespace: " + ns +
                                     "\nspec:\n  ports:\n  - {port: 50051, protocol: TCP, appProtocol: http}\n",
                                 {"--field-manager=platform-team"});
    REQUIRE_MESSAGE(other.ok(), other.describe());
    REQUIRE(e2e::plugin({"init", "--host", host, "--plaintext"}).ok());
    const State before = state(ns, "greeter", obj);

    auto r = e2e::plugin({"expose", "greeter", "-n", ns, "--host", host});
    INFO(r.describe());
    CHECK(r.exit_code == 1);
    CHECK(contains(r.err, "platform-team"));
    CHECK(contains(r.err, "appProtocol"));
    CHECK(state(ns, "greeter", obj) == before);  // the VirtualService was not created either

    auto forced = e2e::plugin({"expose", "greeter", "-n", ns, "--host", host, "--force-conflicts"});
    REQUIRE_MESSAGE(forced.ok(), forced.describe());
    CHECK(get("service", ns, "greeter")["spec"]["ports"][0]["appProtocol"] == "grpc");
    REQUIRE(e2e::plugin({"expose", "greeter", "-n", ns, "--host", host, "--remove"}).ok());
    REQUIRE(e2e::plugin({"init", "--host", host, "--remove"}).ok());
}

TEST_CASE("init, tls and expose: bad input is one line, exit 1, cluster unchanged") {
    const std::string host = e2e::unique_name("bad") + ".example.com";
    std::string obj = host;
    std::replace(obj.begin(), obj.end(), '.', '-');
    const std::string ns = e2e::create_namespace("bad");
    create_service(ns, "multi", "  - {name: metrics, port: 9090}\n  - {name: api, port: 9000}\n");
    REQUIRE(e2e::plugin({"init", "--host", host}).ok());
    const State before = state(ns, "multi", obj);
    e2e::TempDir dir;
    const auto [cert, key] = make_certificate(dir, host);
    e2e::TempDir other_dir;
    const auto [other_cert, other_key] = make_certificate(other_dir, "api.example.com");
    const std::string testdata = (e2e::source_dir() / "tests/testdata/tls").string();

    fails_cleanly({"expose", "missing", "-n", ns, "--host", host}, "Service " + ns + "/missing not found", before, ns,
                  "multi", obj);
    fails_cleanly({"expose", "multi", "-n", ns, "--host", host},
                  "Service " + ns + "/multi has several ports (metrics 9090, api 9000); pick the gRPC one with --port",
                  before, ns, "multi", obj);
    fails_cleanly({"expose", "multi", "-n", ns, "--host", "Bad_Host.example.com", "--port", "9000"},
                  "invalid host \"Bad_Host.example.com\"", before, ns, "multi", obj);
    fails_cleanly({"expose", "multi", "-n", ns, "--host", host, "--port", "9000", "--grpc-service", "/helloworld.Greeter"},
                  "invalid gRPC service name \"/helloworld.Greeter\"", before, ns, "multi", obj);
    fails_cleanly({"tls", "--host", host, "--cert", other_cert, "--key", other_key},
                  other_cert + ": the certificate is for api.example.com, not " + host, before, ns, "multi", obj);
    fails_cleanly({"tls", "--host", host, "--cert", cert, "--key", other_key},
                  other_key + ": the private key does not match the certificate", before, ns, "multi", obj);
    fails_cleanly({"tls", "--host", "expired.example.com", "--cert", testdata + "/expired.example.com.crt", "--key",
                   testdata + "/expired.example.com.key"},
                  testdata + "/expired.example.com.crt: certificate 1 (CN=expired.example.com) expired on "
                             "2021-01-01 00:00:00 UTC",
                  before, ns, "multi", obj);
    fails_cleanly({"init", "--host", host, "--https-port", "9443"}, "port 9443 (--https-port) is not exposed by Service",
                  before, ns, "multi", obj);
    REQUIRE(e2e::plugin({"init", "--host", host, "--remove"}).ok());
}
