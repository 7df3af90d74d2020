// tls --issuer against cert-manager's real controller (the
// "controlplane-cert-manager" fixture): the Certificate goes to the gateway
// pods' namespace with secretName = the server's credentialName, the
// controller issues it there, the Gateway is bound to it; refusals come
// before anything is applied; --wait explains a Certificate that does not
// become Ready with cert-manager's own reasons; --remove deletes only the
// Certificate tls created.
#include <doctest/doctest.h>

#include <chrono>
#include <string>
#include <thread>

#include "harness.hpp"
#include "mesh_support.hpp"

using namespace mesh_e2e;
using namespace std::chrono_literals;

namespace {

const std::string kGatewayNs = "istio-system";  // the simulated gateway pods' namespace

// check's verdict on the gateway-server hop of `host`, which has no route
// (no Service runs here): that hop is OK and the one finding is GM0044.
void check_gateway_hop_ok(const std::string& host) {
    auto r = e2e::plugin({"check", "-A", "--host", host});
    const auto at = r.out.find("gateway server:");
    REQUIRE_MESSAGE(at != std::string::npos, r.describe());
    const std::string line = r.out.substr(at, r.out.find('\n', at) - at);
    CHECK_MESSAGE(line.size() > 4, r.describe());
    CHECK_MESSAGE(line.substr(line.size() - 4) == "  OK", r.describe());
    CHECK_MESSAGE(contains(r.out, "1 error(s), 0 warning(s)"), r.describe());
    CHECK_MESSAGE(contains(r.out, "error GM0044 "), r.describe());
}

std::string ca_issuer() { return e2e::cluster("GRPCMESH_CERT_MANAGER_CA_ISSUER"); }

// A host with its Gateway, made by init; removed again at the end.
struct Host {
    explicit Host(const std::string& prefix) : name(e2e::unique_name(prefix) + ".example.com") {
        auto r = e2e::plugin({"init", "--host", name});
        REQUIRE_MESSAGE(r.ok(), r.describe());
        secret = host_object(name) + "-tls";
    }
    ~Host() {
        e2e::plugin({"tls", "--host", name, "--issuer", "x", "--remove"});
        e2e::kubectl({"delete", "secret", "-n", kGatewayNs, secret, "--ignore-not-found"});
        e2e::plugin({"init", "--host", name, "--remove"});
    }
    std::string name;
    std::string secret;
};

std::string credential_of(const std::string& host) {
    auto gw = get("gateway.networking.istio.io", kGatewayNs, host_object(host));
    for (const auto& s : gw["spec"]["servers"]) {
        if (s.value("/port/protocol"_json_pointer, std::string()) == "HTTPS") {
            return s.value("/tls/credentialName"_json_pointer, std::string());
        }
    }
    return "";
}

// The subject alternative names and serial of the certificate in a Secret.
std::string certificate_text(const std::string& ns, const std::string& secret) {
    auto crt = e2e::kubectl({"get", "secret", "-n", ns, secret, "-o", "jsonpath={.data.tls\\.crt}"});
    REQUIRE_MESSAGE(crt.ok(), crt.describe());
    auto pem = e2e::run({"base64", "-d"}, {.stdin_data = crt.out});
    REQUIRE(pem.ok());
    auto text = e2e::run({"openssl", "x509", "-noout", "-serial", "-ext", "subjectAltName"}, {.stdin_data = pem.out});
    REQUIRE_MESSAGE(text.ok(), text.describe());
    return text.out;
}

}  // namespace

TEST_CASE("tls --issuer: cert-manager issues into the gateway pods' namespace, the Gateway is bound, --remove") {
    Host host("issued");
    auto r = e2e::plugin({"tls", "--host", host.name, "--issuer", ca_issuer(), "--wait", "--timeout", "60s"});
    REQUIRE_MESSAGE(r.ok(), r.describe());
    CHECK(contains(r.err, "Certificate " + kGatewayNs + "/" + host.secret + " is Ready"));

    auto cert = get("certificate.cert-manager.io", kGatewayNs, host.secret);
    CHECK(cert["spec"]["secretName"] == host.secret);
    CHECK(cert["spec"]["dnsNames"] == json::array({host.name}));
    CHECK(cert["spec"]["issuerRef"]["name"] == ca_issuer());
    CHECK(credential_of(host.name) == host.secret);
    CHECK(contains(certificate_text(kGatewayNs, host.secret), "DNS:" + host.name));

    // check follows the Certificate to the gateway and finds nothing wrong there.
    check_gateway_hop_ok(host.name);

    // A Certificate tls did not create, in the same namespace, stays.
    const std::string other = e2e::unique_name("other-cert");
    auto applied = e2e::apply_yaml("apiVersion: cert-manager.io/v1\nkind: Certificate\nmetadata:\n  name: " + other +
                                   "\n  namespace: " + kGatewayNs + "\nspec:\n  secretName: " + other +
                                   "\n  dnsNames: [other.example.com]\n  issuerRef: {kind: Issuer, name: " +
                                   ca_issuer() + "}\n");
    REQUIRE_MESSAGE(applied.ok(), applied.describe());
    const auto gateway_before = get("gateway.networking.istio.io", kGatewayNs, host_object(host.name));

    auto removed = e2e::plugin({"tls", "--host", host.name, "--issuer", ca_issuer(), "--remove"});
    REQUIRE_MESSAGE(removed.ok(), removed.describe());
    CHECK_FALSE(snapshot("certificate.cert-manager.io", kGatewayNs, host.secret).has_value());
    CHECK(snapshot("certificate.cert-manager.io", kGatewayNs, other).has_value());
    CHECK(snapshot("issuer.cert-manager.io", kGatewayNs, ca_issuer()).has_value());
    CHECK(get("gateway.networking.istio.io", kGatewayNs, host_object(host.name)) == gateway_before);
    CHECK(contains(removed.err, "Secret " + kGatewayNs + "/" + host.secret + " stays"));
    e2e::kubectl({"delete", "certificate", "-n", kGatewayNs, other});
}

TEST_CASE("tls --issuer refuses before applying: Issuer in another namespace, no Issuer, another Certificate") {
    Host host("refused");
    const std::string ns = e2e::create_namespace("team");
    const std::string issuer = e2e::unique_name("team-issuer");
    auto applied = e2e::apply_yaml("apiVersion: cert-manager.io/v1\nkind: Issuer\nmetadata:\n  name: " + issuer +
                                   "\n  namespace: " + ns + "\nspec:\n  selfSigned: {}\n");
    REQUIRE_MESSAGE(applied.ok(), applied.describe());

    auto wrong_ns = e2e::plugin({"tls", "--host", host.name, "--issuer", issuer});
    CHECK(wrong_ns.exit_code == 1);
    CHECK(lines(wrong_ns.err) == 1);
    CHECK(contains(wrong_ns.err, "Issuer " + issuer + " is in namespace " + ns));
    CHECK(contains(wrong_ns.err, "--issuer-kind ClusterIssuer"));

    auto missing = e2e::plugin({"tls", "--host", host.name, "--issuer", "no-such-issuer", "--issuer-kind",
                                "ClusterIssuer"});
    CHECK(missing.exit_code == 1);
    CHECK(contains(missing.err, "ClusterIssuer no-such-issuer does not exist"));

    // Someone else's Certificate already writes the Secret the server reads.
    const std::string theirs = e2e::unique_name("theirs");
    applied = e2e::apply_yaml("apiVersion: cert-manager.io/v1\nkind: Certificate\nmetadata:\n  name: " + theirs +
                              "\n  namespace: " + kGatewayNs + "\nspec:\n  secretName: " + host.secret +
                              "\n  dnsNames: [" + host.name + "]\n  issuerRef: {kind: Issuer, name: " + ca_issuer() +
                              "}\n");
    REQUIRE_MESSAGE(applied.ok(), applied.describe());
    auto taken = e2e::plugin({"tls", "--host", host.name, "--issuer", ca_issuer()});
    CHECK(taken.exit_code == 1);
    CHECK(contains(taken.err, "Certificate " + kGatewayNs + "/" + theirs + " (not created by kubectl-grpcmesh) "
                              "already writes Secret " + kGatewayNs + "/" + host.secret));
    // Nothing was applied by any of the three.
    CHECK_FALSE(snapshot("certificate.cert-manager.io", kGatewayNs, host.secret).has_value());
    e2e::kubectl({"delete", "certificate", "-n", kGatewayNs, theirs});
}

TEST_CASE("tls --issuer --wait explains a Certificate that does not become Ready") {
    Host host("pending");
    // A CA Issuer whose CA Secret does not exist: cert-manager never signs.
    const std::string issuer = e2e::unique_name("broken-ca");
    auto applied = e2e::apply_yaml("apiVersion: cert-manager.io/v1\nkind: Issuer\nmetadata:\n  name: " + issuer +
                                   "\n  namespace: " + kGatewayNs + "\nspec:\n  ca:\n    secretName: " + issuer +
                                   "-missing\n");
    REQUIRE_MESSAGE(applied.ok(), applied.describe());
    auto not_ready = e2e::kubectl({"wait", "-n", kGatewayNs, "--for=condition=Ready=False", "--timeout=30s",
                                   "issuer/" + issuer});
    REQUIRE_MESSAGE(not_ready.ok(), not_ready.describe());

    auto r = e2e::plugin({"tls", "--host", host.name, "--issuer", issuer, "--wait", "--timeout", "8s"});
    CHECK(r.exit_code == 1);
    CHECK(contains(r.err, "Warning: Issuer " + kGatewayNs + "/" + issuer + " is not Ready"));
    CHECK(contains(r.err, "Certificate " + kGatewayNs + "/" + host.secret + " is not Ready after 8s"));
    // cert-manager's own words: the request waits for the issuer.
    CHECK(contains(r.err, "Referenced issuer does not have a Ready status condition"));
    CHECK_MESSAGE(!contains(r.out + r.err, "PRIVATE KEY"), r.describe());
    // check follows the server's Secret to the Certificate and its issuer, with cert-manager's reason.
    auto checked = e2e::plugin({"check", "-A", "--host", host.name});
    CHECK(checked.exit_code == 3);
    CHECK_MESSAGE(contains(checked.out, "error GM0056 Certificate " + kGatewayNs + "/" + host.secret + ": Issuer " +
                                            kGatewayNs + "/" + issuer + ", which issues Certificate " + kGatewayNs +
                                            "/" + host.secret + ", is not Ready: ErrGetKeyPair"),
                  checked.describe());
    CHECK_MESSAGE(!contains(checked.out, "GM0022"), checked.describe());
    e2e::kubectl({"delete", "issuer", "-n", kGatewayNs, issuer});
}

TEST_CASE("a renewal cert-manager performs (manual trigger) still passes check") {
    Host host("renewed");
    auto r = e2e::plugin({"tls", "--host", host.name, "--issuer", ca_issuer(), "--wait", "--timeout", "60s"});
    REQUIRE_MESSAGE(r.ok(), r.describe());
    const std::string before = certificate_text(kGatewayNs, host.secret);

    // What `cmctl renew` does: the Issuing condition, set on the status.
    auto patched = e2e::kubectl(
        {"patch", "certificate", host.secret, "-n", kGatewayNs, "--subresource=status", "--type=json", "-p",
         R"([{"op":"add","path":"/status/conditions/-","value":{"type":"Issuing","status":"True",)"
         R"("reason":"ManuallyTriggered","message":"Certificate re-issuance manually triggered"}}])"});
    REQUIRE_MESSAGE(patched.ok(), patched.describe());
    std::string after = before;
    for (int i = 0; i < 300 && after == before; ++i) {
        std::this_thread::sleep_for(100ms);
        after = certificate_text(kGatewayNs, host.secret);
    }
    REQUIRE_MESSAGE(after != before, "cert-manager did not re-issue the certificate within 30 s");
    CHECK(contains(after, "DNS:" + host.name));
    auto ready = e2e::kubectl({"wait", "-n", kGatewayNs, "--for=condition=Ready", "--timeout=30s",
                               "certificate/" + host.secret});
    REQUIRE_MESSAGE(ready.ok(), ready.describe());
    auto cert = get("certificate.cert-manager.io", kGatewayNs, host.secret);
    CHECK(cert["status"].value("revision", 0) >= 2);
    check_gateway_hop_ok(host.name);
}

TEST_CASE("check finds a Certificate in the wrong namespace, its fix makes the gateway hop pass") {
    Host host("misplaced");
    const std::string app = e2e::create_namespace("app");
    const std::string cluster_issuer = e2e::cluster("GRPCMESH_CERT_MANAGER_CLUSTER_ISSUER");
    // Next to the application, as people write it: cert-manager issues it, into the wrong namespace.
    auto applied = e2e::apply_yaml("apiVersion: cert-manager.io/v1\nkind: Certificate\nmetadata:\n  name: " +
                                   host.secret + "\n  namespace: " + app + "\nspec:\n  secretName: " + host.secret +
                                   "\n  dnsNames: [" + host.name + "]\n  issuerRef: {kind: ClusterIssuer, name: " +
                                   cluster_issuer + "}\n");
    REQUIRE_MESSAGE(applied.ok(), applied.describe());
    auto ready = e2e::kubectl({"wait", "-n", app, "--for=condition=Ready", "--timeout=60s",
                               "certificate/" + host.secret});
    REQUIRE_MESSAGE(ready.ok(), ready.describe());

    auto found = e2e::plugin({"check", "-A", "--host", host.name});
    CHECK(found.exit_code == 3);
    CHECK_MESSAGE(contains(found.out, "error GM0053 Gateway " + kGatewayNs + "/" + host_object(host.name) +
                                          ": Certificate " + app +
                                          "/" + host.secret + " writes Secret " + host.secret + " in namespace " + app +
                                          ", but the gateway reads credentialName " + host.secret +
                                          " from namespace " + kGatewayNs),
                  found.describe());
    CHECK_MESSAGE(!contains(found.out, "GM0022"), found.describe());
    CHECK_MESSAGE(!contains(found.out, "GM0023"), found.describe());
    const std::string fix = "kubectl grpcmesh tls --host " + host.name + " --issuer " + cluster_issuer +
                            " --issuer-kind ClusterIssuer";
    REQUIRE_MESSAGE(contains(found.out, "fix: Issue it where the gateway reads it: " + fix), found.describe());

    // The fix, as printed (plus --wait), then the clean-up it names.
    auto fixed = e2e::plugin({"tls", "--host", host.name, "--issuer", cluster_issuer, "--issuer-kind", "ClusterIssuer",
                              "--wait", "--timeout", "60s"});
    REQUIRE_MESSAGE(fixed.ok(), fixed.describe());
    auto deleted = e2e::kubectl({"delete", "certificate", host.secret, "-n", app});
    REQUIRE_MESSAGE(deleted.ok(), deleted.describe());
    check_gateway_hop_ok(host.name);
}
