// tls --api gateway-api --issuer against cert-manager's real controller (the
// "controlplane-cert-manager" fixture): the Certificate goes where the host's
// HTTPS listener reads its certificateRefs (the Gateway's namespace, or
// --secret-namespace with the ReferenceGrant tls writes), the controller
// issues the Secret there, and the listener names it; an Issuer that cannot
// sign there is refused before anything is applied.
#include <doctest/doctest.h>

#include <string>

#include "harness.hpp"
#include "mesh_support.hpp"

using namespace mesh_e2e;

namespace {

std::string cluster_issuer() { return e2e::cluster("GRPCMESH_CERT_MANAGER_CLUSTER_ISSUER"); }

// A host with its own Gateway API Gateway in a fresh namespace, made by init.
struct GatewayHost {
    explicit GatewayHost(const std::string& prefix)
        : name(e2e::unique_name(prefix) + ".example.com"), ns(e2e::create_namespace(prefix)) {
        auto r = e2e::plugin({"init", "--host", name, "--api", "gateway-api", "--gateway-namespace", ns});
        REQUIRE_MESSAGE(r.ok(), r.describe());
        secret = host_object(name) + "-tls";
    }
    ~GatewayHost() { e2e::plugin({"init", "--host", name, "--api", "gateway-api", "--remove"}); }
    std::string name;
    std::string ns;
    std::string secret;
};

// {namespace, name} of the Secret the host's HTTPS listener reads.
std::pair<std::string, std::string> listener_secret(const GatewayHost& host) {
    const json gw = get("gateway.gateway.networking.k8s.io", host.ns, host_object(host.name));
    for (const auto& l : gw["spec"]["listeners"]) {
        if (l.value("name", "") == host_object(host.name) + "-https") {
            const json ref = l["tls"]["certificateRefs"][0];
            return {ref.value("namespace", host.ns), ref.value("name", "")};
        }
    }
    FAIL("no HTTPS listener for " << host.name << ": " << gw.dump());
    return {};
}

// The subject alternative names of the certificate in a Secret of type kubernetes.io/tls.
std::string issued_names(const std::string& ns, const std::string& secret) {
    auto type = e2e::kubectl({"get", "secret", "-n", ns, secret, "-o", "jsonpath={.type}"});
    REQUIRE_MESSAGE(type.ok(), type.describe());
    CHECK(type.out == "kubernetes.io/tls");
    auto crt = e2e::kubectl({"get", "secret", "-n", ns, secret, "-o", "jsonpath={.data.tls\\.crt}"});
    REQUIRE_MESSAGE(crt.ok(), crt.describe());
    auto pem = e2e::run({"base64", "-d"}, {.stdin_data = crt.out});
    REQUIRE(pem.ok());
    auto text = e2e::run({"openssl", "x509", "-noout", "-ext", "subjectAltName"}, {.stdin_data = pem.out});
    REQUIRE_MESSAGE(text.ok(), text.describe());
    return text.out;
}

}  // namespace

TEST_CASE("tls --api gateway-api --issuer: cert-manager issues into the Gateway's namespace, the listener reads it") {
    GatewayHost host("gwissued");
    auto r = e2e::plugin({"tls", "--host", host.name, "--api", "gateway-api", "--issuer", cluster_issuer(),
                          "--issuer-kind", "ClusterIssuer", "--wait", "--timeout", "60s"});
    REQUIRE_MESSAGE(r.ok(), r.describe());
    CHECK_MESSAGE(contains(r.err, "Certificate " + host.ns + "/" + host.secret + " is Ready"), r.describe());

    const auto where = listener_secret(host);
    CHECK(where.first == host.ns);
    CHECK(where.second == host.secret);
    auto cert = get("certificate.cert-manager.io", host.ns, host.secret);
    CHECK(cert["spec"]["secretName"] == host.secret);
    CHECK(cert["spec"]["issuerRef"]["kind"] == "ClusterIssuer");
    CHECK(contains(issued_names(where.first, where.second), "DNS:" + host.name));

    // Again: nothing changes, and --remove takes the Certificate only.
    auto again = e2e::plugin({"tls", "--host", host.name, "--api", "gateway-api", "--issuer", cluster_issuer(),
                              "--issuer-kind", "ClusterIssuer"});
    REQUIRE_MESSAGE(again.ok(), again.describe());
    auto removed = e2e::plugin({"tls", "--host", host.name, "--api", "gateway-api", "--issuer", cluster_issuer(),
                                "--remove"});
    REQUIRE_MESSAGE(removed.ok(), removed.describe());
    CHECK_FALSE(snapshot("certificate.cert-manager.io", host.ns, host.secret).has_value());
    CHECK(snapshot("secret", host.ns, host.secret).has_value());
    CHECK(contains(removed.err, "Secret " + host.ns + "/" + host.secret + " stays"));
}

TEST_CASE("tls --api gateway-api --issuer --secret-namespace: the Secret elsewhere, with the ReferenceGrant") {
    GatewayHost host("gwcerts");
    const std::string certs = e2e::create_namespace("certs");
    auto r = e2e::plugin({"tls", "--host", host.name, "--api", "gateway-api", "--issuer", cluster_issuer(),
                          "--issuer-kind", "ClusterIssuer", "--secret-namespace", certs, "--wait", "--timeout",
                          "60s"});
    REQUIRE_MESSAGE(r.ok(), r.describe());

    const auto where = listener_secret(host);
    CHECK(where.first == certs);
    CHECK(where.second == host.secret);
    CHECK(contains(issued_names(certs, host.secret), "DNS:" + host.name));
    CHECK_FALSE(snapshot("secret", host.ns, host.secret).has_value());
    const json grant = get("referencegrant.gateway.networking.k8s.io", certs, host.secret + "-from-" + host.ns);
    CHECK(grant["spec"]["from"][0]["namespace"] == host.ns);
    CHECK(grant["spec"]["to"][0]["kind"] == "Secret");
    CHECK(grant["spec"]["to"][0]["name"] == host.secret);
    e2e::plugin({"tls", "--host", host.name, "--api", "gateway-api", "--issuer", cluster_issuer(), "--remove"});
}

TEST_CASE("tls --api gateway-api --issuer refuses an Issuer of the Gateway's namespace for a Secret elsewhere") {
    GatewayHost host("gwrefused");
    const std::string certs = e2e::create_namespace("certs");
    const std::string issuer = e2e::unique_name("gw-issuer");
    auto applied = e2e::apply_yaml("apiVersion: cert-manager.io/v1\nkind: Issuer\nmetadata:\n  name: " + issuer +
                                   "\n  namespace: " + host.ns + "\nspec:\n  selfSigned: {}\n");
    REQUIRE_MESSAGE(applied.ok(), applied.describe());
    auto r = e2e::plugin({"tls", "--host", host.name, "--api", "gateway-api", "--issuer", issuer,
                          "--secret-namespace", certs});
    CHECK(r.exit_code == 1);
    CHECK(lines(r.err) == 1);
    CHECK_MESSAGE(contains(r.err, "Issuer " + issuer + " is in namespace " + host.ns), r.describe());
    CHECK_MESSAGE(contains(r.err, "this Certificate must be in " + certs + " (where listener " +
                                      host_object(host.name) + "-https of Gateway " + host.ns + "/" +
                                      host_object(host.name) + " reads Secret " + host.secret + ")"),
                  r.describe());
    CHECK_FALSE(snapshot("certificate.cert-manager.io", certs, host.secret).has_value());
    CHECK_FALSE(snapshot("referencegrant.gateway.networking.k8s.io", certs, host.secret + "-from-" + host.ns)
                    .has_value());
}

TEST_CASE("tls --api gateway-api --issuer goldens: a server-side dry-run apply accepts them with cert-manager's CRDs") {
    for (const char* ns : {"istio-ingress", "certs"}) {
        auto r = e2e::apply_yaml(std::string("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ") + ns + "\n");
        REQUIRE_MESSAGE(r.ok(), r.describe());
    }
    for (const char* file : {"tls-issuer.yaml", "tls-issuer-secret-namespace.yaml"}) {
        CAPTURE(file);
        auto applied = e2e::kubectl({"apply", "--server-side", "--dry-run=server", "--field-manager=grpcmesh-golden",
                                     "-f",
                                     (e2e::source_dir() / "tests/testdata/dry-run-gateway-api" / file).string()});
        CHECK_MESSAGE(applied.ok(), applied.describe());
        CHECK_MESSAGE(contains(applied.out, "certificate.cert-manager.io/grpc-example-com-tls serverside-applied "
                                            "(server dry run)"),
                      applied.describe());
    }
}
