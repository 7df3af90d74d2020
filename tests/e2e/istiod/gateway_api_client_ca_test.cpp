// init --api gateway-api --client-ca against the real istiod: the listener
// of the Gateway init writes reads the client CA from the ConfigMap init
// wrote (istiod accepts the listener with ResolvedRefs True), and without
// that ConfigMap istiod refuses the listener with the Gateway API's reasons
// (InvalidCACertificateRef, NoValidCACertificate), as the Istio oracle finds
// the port without a listener (tests/oracle/gateway_api_goldens_test.cpp).
#include <doctest/doctest.h>

#include <optional>
#include <string>

#include "harness.hpp"
#include "istiod_support.hpp"
#include "mesh_support.hpp"

using namespace mesh_e2e;
using namespace istiod_e2e;
using namespace std::chrono_literals;

namespace {

// The status conditions istiod wrote for listener `listener` of Gateway
// ns/name, once `type` has `status` for the Gateway's current generation.
std::optional<json> listener_conditions(const std::string& ns, const std::string& name, const std::string& listener,
                                        const std::string& type, const std::string& status) {
    auto r = e2e::kubectl({"get", "gateway.gateway.networking.k8s.io", name, "-n", ns, "-o", "json"});
    if (!r.ok()) {
        return std::nullopt;
    }
    const json gw = json::parse(r.out);
    const long generation = gw["metadata"].value("generation", -1L);
    for (const auto& l : gw.value("status", json::object()).value("listeners", json::array())) {
        if (l.value("name", "") != listener) {
            continue;
        }
        for (const auto& c : l.value("conditions", json::array())) {
            if (c.value("type", "") == type && c.value("status", "") == status &&
                c.value("observedGeneration", 0L) == generation) {
                return l["conditions"];
            }
        }
    }
    return std::nullopt;
}

std::string condition_text(const json& conditions, const std::string& type) {
    for (const auto& c : conditions) {
        if (c.value("type", "") == type) {
            return c.value("status", "") + " " + c.value("reason", "") + ": " + c.value("message", "");
        }
    }
    return "";
}

}  // namespace

TEST_CASE("istiod: init --api gateway-api --client-ca, the listener reads the client CA from init's ConfigMap") {
    const std::string ns = e2e::create_namespace("clientca");
    const std::string host = e2e::unique_name("mtls") + ".example.com";
    const std::string gw = host_object(host);
    const std::string listener = gw + "-https";
    e2e::TempDir dir;
    auto init = e2e::plugin({"init", "--host", host, "--api", "gateway-api", "--gateway-namespace", ns, "--client-ca",
                             (e2e::source_dir() / "tests/testdata/tls/other.crt").string()});
    REQUIRE_MESSAGE(init.ok(), init.describe());
    auto tls = e2e::plugin({"tls", "--host", host, "--api", "gateway-api", "--self-signed", "--ca-out",
                            (dir.path() / "ca.crt").string()});
    REQUIRE_MESSAGE(tls.ok(), tls.describe());

    const auto resolved = eventually([&] { return listener_conditions(ns, gw, listener, "ResolvedRefs", "True"); }, 90s);
    REQUIRE_MESSAGE(resolved.has_value(), e2e::kubectl({"get", "gateway.gateway.networking.k8s.io", gw, "-n", ns,
                                                        "-o", "yaml"}).out);
    CHECK(condition_text(*resolved, "Accepted").rfind("True", 0) == 0);

    // Without the ConfigMap the listener is refused: the CA is read from it.
    auto deleted = e2e::kubectl({"delete", "configmap", "-n", ns, gw + "-client-ca"});
    REQUIRE_MESSAGE(deleted.ok(), deleted.describe());
    const auto refused = eventually([&] { return listener_conditions(ns, gw, listener, "ResolvedRefs", "False"); }, 90s);
    REQUIRE_MESSAGE(refused.has_value(), e2e::kubectl({"get", "gateway.gateway.networking.k8s.io", gw, "-n", ns,
                                                       "-o", "yaml"}).out);
    INFO(refused->dump());
    CHECK(condition_text(*refused, "ResolvedRefs").find("InvalidCACertificateRef") != std::string::npos);
    CHECK(condition_text(*refused, "ResolvedRefs").find(gw + "-client-ca") != std::string::npos);
    CHECK(condition_text(*refused, "Accepted").rfind("False NoValidCACertificate", 0) == 0);
}
