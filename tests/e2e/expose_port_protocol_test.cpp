// expose and check read a Service port's protocol as Istio does
// (core/mesh/protocol.hpp, ConvertProtocol), live: an appProtocol with a
// suffix is left alone by expose and passes check; a UDP port is refused.
#include <doctest/doctest.h>

#include <string>

#include "harness.hpp"
#include "mesh_support.hpp"

using namespace mesh_e2e;

TEST_CASE("expose and check: appProtocol grpc-v2 is GRPC for Istio, so expose leaves it and check passes it") {
    const std::string host = e2e::unique_name("proto") + ".example.com";
    const std::string ns = e2e::create_namespace("proto");
    create_service(ns, "greeter", "  - {name: api, port: 50051, appProtocol: grpc-v2}\n");
    auto init = e2e::plugin({"init", "--host", host, "--plaintext"});
    REQUIRE_MESSAGE(init.ok(), init.describe());

    auto e = e2e::plugin({"expose", "greeter", "-n", ns, "--host", host});
    REQUIRE_MESSAGE(e.ok(), e.describe());
    CHECK(contains(e.err, "Port 50051 of Service " + ns + "/greeter is already HTTP/2 for Istio (appProtocol grpc-v2)"));
    CHECK(get("service", ns, "greeter")["spec"]["ports"][0]["appProtocol"] == "grpc-v2");

    auto c = e2e::plugin({"check", "--host", host, "-o", "json"});
    INFO(c.describe());
    REQUIRE((c.exit_code == 0 || c.exit_code == 3));
    const json report = json::parse(c.out);
    for (const auto& f : report["findings"]) {
        const std::string code = f["code"];
        CHECK_MESSAGE((code != "GM0004" && code != "GM0005" && code != "GM0006"), f.dump());
    }
    auto human = e2e::plugin({"check", "--host", host});
    CHECK_MESSAGE(contains(human.out, "└─ service port: " + ns + "/greeter:50051 GRPC  OK"), human.describe());

    REQUIRE(e2e::plugin({"expose", "greeter", "-n", ns, "--host", host, "--remove"}).ok());
    REQUIRE(e2e::plugin({"init", "--host", host, "--remove"}).ok());
}

TEST_CASE("expose: a UDP port is refused in one line and nothing changes") {
    const std::string host = e2e::unique_name("udp") + ".example.com";
    const std::string obj = host_object(host);
    const std::string ns = e2e::create_namespace("udp");
    create_service(ns, "greeter", "  - {name: grpc, port: 50051, protocol: UDP}\n");
    auto init = e2e::plugin({"init", "--host", host, "--plaintext"});
    REQUIRE_MESSAGE(init.ok(), init.describe());
    const auto service = snapshot("service", ns, "greeter");
    const auto route = snapshot("virtualservice.networking.istio.io", "istio-system", obj);

    for (const std::string naming : {"appProtocol", "name"}) {
        auto r = e2e::plugin({"expose", "greeter", "-n", ns, "--host", host, "--port-naming", naming});
        INFO(r.describe());
        CHECK(r.exit_code == 1);
        CHECK(r.out.empty());
        CHECK(lines(r.err) == 1);
        CHECK(r.err == "error: port 50051 of Service " + ns +
                           "/greeter is UDP, which Istio keeps UDP whatever its name or appProtocol, and gRPC needs "
                           "TCP; pick a TCP port with --port\n");
        CHECK(snapshot("service", ns, "greeter") == service);
        CHECK(snapshot("virtualservice.networking.istio.io", "istio-system", obj) == route);
    }
    REQUIRE(e2e::plugin({"init", "--host", host, "--remove"}).ok());
}
