// init --client-ca (tls mode MUTUAL, the CA where Istio reads it) and
// expose --port-naming name (the port renamed, owned through server-side
// apply) against the control plane, next to the default appProtocol mode.
#include <doctest/doctest.h>

#include <algorithm>
#include <tuple>

#include "harness.hpp"
#include "mesh_support.hpp"

using namespace mesh_e2e;

namespace {

const std::string kGatewayNs = "istio-system";

std::string base64_decode(const std::string& text) {
    auto r = e2e::run({"base64", "-d"}, {.stdin_data = text});
    REQUIRE_MESSAGE(r.ok(), r.describe());
    return r.out;
}

// The fields of the Service's port 50051/TCP that `manager` owns
// ("f:name", "f:appProtocol", ...), from managedFields.
std::vector<std::string> owned_port_fields(const std::string& ns, const std::string& service,
                                           const std::string& manager) {
    auto r = e2e::kubectl({"get", "service", service, "-n", ns, "-o", "json", "--show-managed-fields"});
    REQUIRE_MESSAGE(r.ok(), r.describe());
    std::vector<std::string> out;
    const json service_json = json::parse(r.out);  // alive for the loop
    for (const auto& entry : service_json["metadata"]["managedFields"]) {
        if (entry.value("manager", "") != manager) {
            continue;
        }
        const json ports = entry["fieldsV1"].value("/f:spec/f:ports"_json_pointer, json::object());
        const json port = ports.value(R"(k:{"port":50051,"protocol":"TCP"})", json::object());
        for (const auto& [field, value] : port.items()) {
            (void)value;
            if (field != ".") {
                out.push_back(field);
            }
        }
    }
    std::sort(out.begin(), out.end());
    return out;
}

// istioctl analyze of istio-system says nothing about `needle`.
void analyze_says_nothing_about(const std::string& needle) {
    auto r = e2e::istioctl({"analyze", "-n", kGatewayNs});
    CHECK_MESSAGE((r.exit_code == 0 || r.exit_code == 79 || r.exit_code == 80), r.describe());
    CHECK_MESSAGE(!contains(r.out + r.err, needle), r.describe());
}

// A new host with a certificate and the CA that issued it (ca.crt next to them).
struct MutualHost {
    std::string host;
    std::string obj;
    e2e::TempDir dir;
    std::string cert;
    std::string key;
    std::string ca_file;
    std::string ca_pem;

    explicit MutualHost(const std::string& prefix)
        : host(e2e::unique_name(prefix) + ".example.com"), obj(host_object(host)) {
        std::tie(cert, key) = make_certificate(dir, host);
        ca_file = (dir.path() / "ca.crt").string();
        ca_pem = e2e::read_file(ca_file);
    }
};

}  // namespace

TEST_CASE("init --client-ca: the HTTPS server is MUTUAL and the CA is in <credentialName>-cacert as ca.crt") {
    const MutualHost m("mutual");
    const auto& [host, obj, dir, cert, key, ca_file, ca_pem] = m;

    auto init = e2e::plugin({"init", "--host", host, "--client-ca", ca_file});
    REQUIRE_MESSAGE(init.ok(), init.describe());
    CHECK(contains(init.out, "secret/" + obj + "-tls-cacert created"));
    CHECK(contains(init.out, "gateway.networking.istio.io/" + obj + " created"));
    CHECK(contains(init.err, "(tls MUTUAL, credentialName " + obj + "-tls)"));
    const json gw = get("gateway.networking.istio.io", kGatewayNs, obj);
    CHECK(gw["spec"]["servers"].size() == 1);
    CHECK(gw["spec"]["servers"][0]["port"]["protocol"] == "HTTPS");
    CHECK(gw["spec"]["servers"][0]["tls"] == json{{"mode", "MUTUAL"}, {"credentialName", obj + "-tls"}});

    // Istio reads the CA of credentialName X from Secret X-cacert (key cacert
    // or ca.crt), in the gateway pods' namespace.
    const json ca_secret = get("secret", kGatewayNs, obj + "-tls-cacert");
    CHECK(ca_secret["metadata"]["labels"]["app.kubernetes.io/managed-by"] == "kubectl-grpcmesh");
    CHECK(ca_secret["data"].size() == 1);
    CHECK(base64_decode(ca_secret["data"]["ca.crt"].get<std::string>()) == ca_pem);

    // The certificate itself from tls; the server stays MUTUAL, the CA Secret as it was.
    auto tls = e2e::plugin({"tls", "--host", host, "--cert", cert, "--key", key});
    REQUIRE_MESSAGE(tls.ok(), tls.describe());
    CHECK(get("gateway.networking.istio.io", kGatewayNs, obj)["spec"]["servers"][0]["tls"]["mode"] == "MUTUAL");
    CHECK(get("secret", kGatewayNs, obj + "-tls-cacert") == ca_secret);

    // Another client CA with --ca goes to the -cacert Secret, where Istio reads
    // it, not to ca.crt in the certificate's Secret, which Istio would ignore.
    e2e::TempDir other;
    make_certificate(other, host);
    const std::string other_ca_file = (other.path() / "ca.crt").string();
    auto new_ca = e2e::plugin({"tls", "--host", host, "--cert", cert, "--key", key, "--ca", other_ca_file});
    REQUIRE_MESSAGE(new_ca.ok(), new_ca.describe());
    CHECK_MESSAGE(contains(new_ca.out, "secret/" + obj + "-tls-cacert configured"), new_ca.describe());
    CHECK(base64_decode(get("secret", kGatewayNs, obj + "-tls-cacert")["data"]["ca.crt"].get<std::string>()) ==
          e2e::read_file(other_ca_file));
    CHECK_FALSE(get("secret", kGatewayNs, obj + "-tls")["data"].contains("ca.crt"));

    // A re-run without --client-ca keeps MUTUAL and changes nothing.
    auto again = e2e::plugin({"init", "--host", host});
    REQUIRE_MESSAGE(again.ok(), again.describe());
    CHECK(again.out == "gateway.networking.istio.io/" + obj + " unchanged\n");
    CHECK(get("gateway.networking.istio.io", kGatewayNs, obj)["spec"]["servers"][0]["tls"]["mode"] == "MUTUAL");

    // istioctl accepts the Gateway and finds nothing wrong with its credential.
    auto y = e2e::kubectl({"get", "gateway.networking.istio.io", obj, "-n", kGatewayNs, "-o", "yaml"});
    REQUIRE_MESSAGE(y.ok(), y.describe());
    auto valid = e2e::istioctl({"validate", "-f", dir.write("gateway.yaml", y.out).string()});
    CHECK_MESSAGE(valid.ok(), valid.describe());
    analyze_says_nothing_about(obj);

    // --remove takes the Gateway and the CA Secret init created.
    REQUIRE(e2e::plugin({"tls", "--host", host, "--remove"}).ok());
    auto removed = e2e::plugin({"init", "--host", host, "--remove"});
    REQUIRE_MESSAGE(removed.ok(), removed.describe());
    CHECK_FALSE(snapshot("gateway.networking.istio.io", kGatewayNs, obj).has_value());
    CHECK_FALSE(snapshot("secret", kGatewayNs, obj + "-tls-cacert").has_value());
}

namespace {

// The codes check -o json reports for the host.
std::vector<std::string> check_codes(const std::string& host) {
    auto r = e2e::plugin({"check", "--host", host, "-o", "json"});
    CHECK_MESSAGE((r.exit_code == 0 || r.exit_code == 3), r.describe());
    std::vector<std::string> out;
    const json doc = json::parse(r.out);
    for (const auto& f : doc.at("findings")) {
        out.push_back(f.at("code").get<std::string>());
    }
    return out;
}

bool has(const std::vector<std::string>& codes, const std::string& code) {
    return std::find(codes.begin(), codes.end(), code) != codes.end();
}

}  // namespace

TEST_CASE("tls --secret-name on a MUTUAL server moves the client CA along, check finds a CA left behind") {
    const MutualHost m("mutual-move");
    const auto& [host, obj, dir, cert, key, ca_file, ca_pem] = m;
    REQUIRE(e2e::plugin({"init", "--host", host, "--client-ca", ca_file}).ok());
    REQUIRE(e2e::plugin({"tls", "--host", host, "--cert", cert, "--key", key}).ok());
    CHECK_FALSE(has(check_codes(host), "GM0043"));

    // Re-pointed to another Secret: the CA goes to <new>-cacert, the old CA Secret (ours, read by nothing else) goes.
    auto moved = e2e::plugin({"tls", "--host", host, "--cert", cert, "--key", key, "--secret-name", obj + "-next"});
    REQUIRE_MESSAGE(moved.ok(), moved.describe());
    CHECK(contains(moved.out, "secret/" + obj + "-next-cacert created"));
    CHECK(contains(moved.out, "gateway.networking.istio.io/" + obj + " configured"));
    CHECK(contains(moved.out, "secret/" + obj + "-tls-cacert deleted"));
    CHECK(contains(moved.err, "Secret " + kGatewayNs + "/" + obj + "-next-cacert holds the client CA (from Secret " +
                                  kGatewayNs + "/" + obj + "-tls-cacert) for the MUTUAL server"));
    CHECK_FALSE(contains(moved.out + moved.err, "PRIVATE KEY"));
    CHECK(get("gateway.networking.istio.io", kGatewayNs, obj)["spec"]["servers"][0]["tls"] ==
          json{{"mode", "MUTUAL"}, {"credentialName", obj + "-next"}});
    const json ca_secret = get("secret", kGatewayNs, obj + "-next-cacert");
    CHECK(base64_decode(ca_secret["data"]["ca.crt"].get<std::string>()) == ca_pem);
    CHECK_FALSE(snapshot("secret", kGatewayNs, obj + "-tls-cacert").has_value());
    CHECK_FALSE(has(check_codes(host), "GM0043"));

    // A re-run changes nothing.
    auto again = e2e::plugin({"tls", "--host", host, "--cert", cert, "--key", key, "--secret-name", obj + "-next"});
    REQUIRE_MESSAGE(again.ok(), again.describe());
    CHECK(contains(again.out, "secret/" + obj + "-next unchanged"));

    // credentialName changed by hand back to the old Secret, whose CA is gone: check says so.
    auto patched = e2e::kubectl({"patch", "gateway.networking.istio.io", obj, "-n", kGatewayNs, "--type", "json", "-p",
                                 R"([{"op":"replace","path":"/spec/servers/0/tls/credentialName","value":")" + obj +
                                     R"(-tls"}])"});
    REQUIRE_MESSAGE(patched.ok(), patched.describe());
    CHECK(has(check_codes(host), "GM0043"));

    // Cleanup: the hand-patched Gateway is not only ours any more.
    for (const std::string& name : {obj + "-tls", obj + "-next", obj + "-next-cacert"}) {
        e2e::kubectl({"delete", "secret", name, "-n", kGatewayNs, "--ignore-not-found"});
    }
    e2e::kubectl({"delete", "gateway.networking.istio.io", obj, "-n", kGatewayNs, "--ignore-not-found"});
}

TEST_CASE("init --client-ca: a file that is not a certificate is one line, exit 1, nothing created") {
    const std::string host = e2e::unique_name("mutual-bad") + ".example.com";
    const std::string obj = host_object(host);
    e2e::TempDir dir;
    const auto bad = dir.write("ca.crt", "not a certificate\n");
    auto r = e2e::plugin({"init", "--host", host, "--client-ca", bad.string()});
    CHECK_MESSAGE(r.exit_code == 1, r.describe());
    CHECK(lines(r.err) == 1);
    CHECK(contains(r.err, bad.string()));
    CHECK_FALSE(snapshot("gateway.networking.istio.io", kGatewayNs, obj).has_value());
    CHECK_FALSE(snapshot("secret", kGatewayNs, obj + "-tls-cacert").has_value());
}

TEST_CASE("expose --port-naming name renames the port to grpc-<name> and owns the name, the default sets appProtocol") {
    const std::string host = e2e::unique_name("naming") + ".example.com";
    const std::string obj = host_object(host);
    const std::string ns = e2e::create_namespace("naming");
    // Both Services as a team would create them: kubectl apply (server-side, manager "kubectl").
    create_service(ns, "renamed", "  - {name: api, port: 50051}\n");
    create_service(ns, "labelled", "  - {name: api, port: 50051}\n");
    const auto renamed_before = snapshot("service", ns, "renamed");
    const auto labelled_before = snapshot("service", ns, "labelled");
    REQUIRE(e2e::plugin({"init", "--host", host, "--plaintext"}).ok());

    // The name belongs to the manager that created the Service: a conflict naming it, nothing changed.
    auto refused = e2e::plugin({"expose", "renamed", "-n", ns, "--host", host, "--port-naming", "name"});
    CHECK_MESSAGE(refused.exit_code == 1, refused.describe());
    CHECK(lines(refused.err) == 1);
    CHECK(contains(refused.err, "\"kubectl\""));
    CHECK(contains(refused.err, "--force-conflicts"));
    CHECK(snapshot("service", ns, "renamed") == renamed_before);
    CHECK_FALSE(snapshot("virtualservice.networking.istio.io", kGatewayNs, obj).has_value());

    auto renamed = e2e::plugin(
        {"expose", "renamed", "-n", ns, "--host", host, "--port-naming", "name", "--grpc-service", "helloworld.Greeter",
         "--force-conflicts"});
    REQUIRE_MESSAGE(renamed.ok(), renamed.describe());
    CHECK(contains(renamed.err, "Warning: renaming port 50051 of Service " + ns + "/renamed from \"api\" to \"grpc-api\""));
    json port = get("service", ns, "renamed")["spec"]["ports"][0];
    CHECK(port["name"] == "grpc-api");
    CHECK_FALSE(port.contains("appProtocol"));
    // The name moved to our field manager (the port's keys stay shared).
    CHECK(owned_port_fields(ns, "renamed", "kubectl-grpcmesh") == std::vector<std::string>{"f:name", "f:port", "f:protocol"});
    CHECK(owned_port_fields(ns, "renamed", "kubectl") == std::vector<std::string>{"f:port"});

    // A re-run finds the port HTTP/2 already and changes nothing.
    auto again = e2e::plugin({"expose", "renamed", "-n", ns, "--host", host, "--port-naming", "name", "--grpc-service",
                              "helloworld.Greeter"});
    REQUIRE_MESSAGE(again.ok(), again.describe());
    CHECK(again.out == "virtualservice.networking.istio.io/" + obj + " unchanged\n");
    CHECK(contains(again.err, "is already HTTP/2 for Istio (name grpc-api)"));

    // The default mode leaves the name to its owner and adds appProtocol, owned by us.
    auto labelled = e2e::plugin({"expose", "labelled", "-n", ns, "--host", host});
    REQUIRE_MESSAGE(labelled.ok(), labelled.describe());
    port = get("service", ns, "labelled")["spec"]["ports"][0];
    CHECK(port["name"] == "api");
    CHECK(port["appProtocol"] == "grpc");
    CHECK(owned_port_fields(ns, "labelled", "kubectl-grpcmesh") ==
          std::vector<std::string>{"f:appProtocol", "f:port", "f:protocol"});
    CHECK(owned_port_fields(ns, "labelled", "kubectl") == std::vector<std::string>{"f:name", "f:port"});

    const json vs = get("virtualservice.networking.istio.io", kGatewayNs, obj);
    REQUIRE(vs["spec"]["http"].size() == 2);
    CHECK(vs["spec"]["http"][0]["route"][0]["destination"]["host"] == "renamed." + ns + ".svc.cluster.local");
    CHECK(vs["spec"]["http"][1]["route"][0]["destination"]["host"] == "labelled." + ns + ".svc.cluster.local");

    // --remove gives both Services back as they were.
    REQUIRE(e2e::plugin({"expose", "labelled", "-n", ns, "--host", host, "--remove"}).ok());
    auto removed = e2e::plugin({"expose", "renamed", "-n", ns, "--host", host, "--port-naming", "name", "--remove"});
    REQUIRE_MESSAGE(removed.ok(), removed.describe());
    CHECK(snapshot("service", ns, "labelled") == labelled_before);
    CHECK(contains(removed.err, "Port 50051 of Service " + ns + "/renamed is named \"api\" again"));
    CHECK(snapshot("service", ns, "renamed") == renamed_before);
    CHECK_FALSE(snapshot("virtualservice.networking.istio.io", kGatewayNs, obj).has_value());
    // A second --remove changes nothing (the name stays).
    auto twice = e2e::plugin({"expose", "renamed", "-n", ns, "--host", host, "--remove"});
    REQUIRE_MESSAGE(twice.ok(), twice.describe());
    CHECK(twice.out == "service/renamed unchanged\n");
    CHECK(snapshot("service", ns, "renamed") == renamed_before);
    REQUIRE(e2e::plugin({"init", "--host", host, "--remove"}).ok());
}
