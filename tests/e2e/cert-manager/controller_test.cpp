// cert-manager's controller in the control plane (controlplane.sh
// --cert-manager, the "controlplane-cert-manager" fixture) issues for real:
// a Certificate against the CA Issuer becomes Ready and its Secret holds a
// certificate the issuing CA signed, for the names asked.
#include <doctest/doctest.h>

#include <string>

#include "harness.hpp"

TEST_CASE("cert-manager's controller issues a Certificate through the CA Issuer") {
    const std::string ns = e2e::cluster("GRPCMESH_CERT_MANAGER_CA_ISSUER_NAMESPACE");
    const std::string name = e2e::unique_name("cm-smoke");
    auto applied = e2e::apply_yaml("apiVersion: cert-manager.io/v1\nkind: Certificate\nmetadata:\n  name: " + name +
                                   "\n  namespace: " + ns + "\nspec:\n  secretName: " + name +
                                   "\n  dnsNames: [smoke.example.com]\n  issuerRef: {kind: Issuer, name: " +
                                   e2e::cluster("GRPCMESH_CERT_MANAGER_CA_ISSUER") + "}\n");
    REQUIRE_MESSAGE(applied.ok(), applied.describe());
    auto ready = e2e::kubectl({"wait", "-n", ns, "--for=condition=Ready", "--timeout=60s", "certificate/" + name});
    REQUIRE_MESSAGE(ready.ok(), ready.describe());

    auto crt = e2e::kubectl({"get", "secret", "-n", ns, name, "-o", "jsonpath={.data.tls\\.crt}"});
    REQUIRE_MESSAGE(crt.ok(), crt.describe());
    e2e::TempDir dir;
    auto b64 = dir.write("crt.b64", crt.out);
    auto pem = e2e::run({"base64", "-d", b64.string()});
    REQUIRE(pem.ok());
    auto text = e2e::run({"openssl", "x509", "-noout", "-nameopt", "RFC2253", "-issuer", "-ext", "subjectAltName"},
                         {.stdin_data = pem.out});
    REQUIRE_MESSAGE(text.ok(), text.describe());
    CHECK(e2e::contains(text.out, "CN=grpcmesh-test-issuing-ca"));
    CHECK(e2e::contains(text.out, "DNS:smoke.example.com"));
    e2e::kubectl({"delete", "-n", ns, "certificate/" + name, "secret/" + name});
}
