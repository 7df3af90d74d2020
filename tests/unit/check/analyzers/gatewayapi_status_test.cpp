// GM0070 to GM0074: the status conditions a Gateway API controller wrote on
// Gateways, listeners and route parents. The statuses below are written by
// this test, in the shape the real istiod writes them
// (tests/e2e/istiod/gateway_api_status_test.cpp checks the real ones).
#include <doctest/doctest.h>

#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "core/check/analyzer.hpp"
#include "core/check/file_loader.hpp"
#include "tests/unit/check/analyzers/gatewayapi_snapshot.hpp"

namespace {

struct Finding {
  std::string code, level, resource, text, host;
};

// Every finding of the base with `extra` after it.
std::vector<Finding> findings(const std::string& extra) {
  auto result = check_test::gatewayapi_result(extra);
  std::vector<Finding> out;
  for (const auto& m : result.findings) {
    out.push_back({std::string(m.code), std::string(grpcmesh::check::level_name(m.level)),
                   m.resource.kind + " " + m.resource.namespace_name + "/" + m.resource.name, m.text, m.host});
  }
  return out;
}

std::vector<Finding> of(const std::vector<Finding>& all, const std::string& code) {
  std::vector<Finding> out;
  for (const Finding& f : all) {
    if (f.code == code) {
      out.push_back(f);
    }
  }
  return out;
}

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// The base's GRPCRoute with `spec` and `status` (YAML blocks, indented by 2).
std::string route(const std::string& parent_refs, const std::string& backend, const std::string& status,
                  const std::string& generation = "1") {
  return "apiVersion: gateway.networking.k8s.io/v1\nkind: GRPCRoute\nmetadata: {name: greeter, namespace: apps, "
         "generation: " + generation + "}\nspec:\n  parentRefs: " + parent_refs +
         "\n  hostnames: [grpc.example.com]\n  rules:\n  - matches: [{method: {service: helloworld.Greeter}}]\n"
         "    backendRefs: [{name: " + backend + ", port: 50051}]\nstatus:\n" + status;
}

// One status.parents entry by istiod, with its two conditions.
std::string parent(const std::string& parent_ref, const std::string& accepted, const std::string& resolved,
                   const std::string& observed = "1") {
  return "  parents:\n  - parentRef: " + parent_ref +
         "\n    controllerName: istio.io/gateway-controller\n    conditions:\n"
         "    - {type: Accepted, observedGeneration: " + observed + ", " + accepted + "}\n"
         "    - {type: ResolvedRefs, observedGeneration: " + observed + ", " + resolved + "}\n";
}

const std::string kAccepted = "status: \"True\", reason: Accepted, message: Route was valid";
const std::string kResolved = "status: \"True\", reason: ResolvedRefs, message: All references resolved";

// The base's Gateway with a status (YAML block) and a generation.
std::string gateway(const std::string& status, const std::string& generation = "1") {
  return "apiVersion: gateway.networking.k8s.io/v1\nkind: GatewayClass\nmetadata: {name: istio}\n"
         "spec: {controllerName: istio.io/gateway-controller}\n---\n"
         "apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: gw, namespace: apps, generation: " +
         generation +
         "}\nspec:\n  gatewayClassName: istio\n  listeners:\n"
         "  - {name: h2c, port: 80, protocol: HTTP, hostname: grpc.example.com}\n"
         "  - name: https\n    port: 443\n    protocol: HTTPS\n    hostname: grpc.example.com\n"
         "    tls: {mode: Terminate, certificateRefs: [{name: grpc-cert}]}\nstatus:\n" + status;
}

}  // namespace

TEST_CASE("gatewayapi_status: all conditions True, or no status, report nothing") {
  auto none = findings("");
  for (const char* code : {"GM0070", "GM0071", "GM0072", "GM0073", "GM0074"}) {
    CHECK(of(none, code).empty());
  }
  auto fine = findings(route("[{name: gw}]", "greeter", parent("{name: gw}", kAccepted, kResolved)));
  for (const char* code : {"GM0070", "GM0071", "GM0072", "GM0073", "GM0074"}) {
    CHECK(of(fine, code).empty());
  }
}

TEST_CASE("gatewayapi_status: a False route condition the objects do not explain is GM0070, with the reason") {
  // The Service exists in the files, yet the status says BackendNotFound:
  // the controller's verdict is reported as an error, as it wrote it.
  auto all = findings(route("[{name: gw, sectionName: h2c}]", "greeter",
                            parent("{group: gateway.networking.k8s.io, kind: Gateway, name: gw, sectionName: h2c}",
                                   kAccepted,
                                   "status: \"False\", reason: BackendNotFound, message: "
                                   "backend(greeter.apps.svc.cluster.local) not found")));
  auto f = of(all, "GM0070");
  REQUIRE(f.size() == 1);
  CHECK(f[0].level == "error");
  CHECK(f[0].resource == "GRPCRoute apps/greeter");
  CHECK(f[0].host == "grpc.example.com");
  CHECK(f[0].text ==
        "the file's status (controller istio.io/gateway-controller) reports ResolvedRefs False (BackendNotFound: "
        "\"backend(greeter.apps.svc.cluster.local) not found\") for parentRef apps/gw/h2c");
  CHECK(of(all, "GM0068").empty());
  CHECK(of(all, "GM0074").empty());
}

TEST_CASE("gatewayapi_status: a verdict the analyzers predict is one error and the controller's GM0074 info") {
  SUBCASE("NoMatchingParent, as GM0066") {
    auto all = findings(route("[{name: gw, sectionName: nope}]", "greeter",
                              parent("{name: gw, sectionName: nope}",
                                     "status: \"False\", reason: NoMatchingParent, message: "
                                     "sectionName \"nope\" not found",
                                     kResolved)));
    CHECK(of(all, "GM0066").size() == 1);
    CHECK(of(all, "GM0070").empty());
    auto f = of(all, "GM0074");
    REQUIRE(f.size() == 1);
    CHECK(f[0].level == "info");
    CHECK(has(f[0].text, "reports Accepted False (NoMatchingParent: \"sectionName \\\"nope\\\" not found\") for "
                         "parentRef apps/gw/nope: the problem found by GM0066"));
  }
  SUBCASE("BackendNotFound, as GM0068") {
    auto all = findings(route("[{name: gw}]", "missing",
                              parent("{name: gw}", kAccepted,
                                     "status: \"False\", reason: BackendNotFound, message: "
                                     "backend(missing.apps.svc.cluster.local) not found")));
    CHECK(of(all, "GM0068").size() == 1);
    CHECK(of(all, "GM0070").empty());
    auto f = of(all, "GM0074");
    REQUIRE(f.size() == 1);
    CHECK(has(f[0].text, ": the problem found by GM0068"));
  }
  SUBCASE("a reason other than the one predicted stays GM0070") {
    auto all = findings(route("[{name: gw, sectionName: nope}]", "greeter",
                              parent("{name: gw, sectionName: nope}",
                                     "status: \"False\", reason: NotAllowedByListeners, message: not allowed",
                                     kResolved)));
    CHECK(of(all, "GM0066").size() == 1);
    CHECK(of(all, "GM0070").size() == 1);
    CHECK(of(all, "GM0074").empty());
  }
}

TEST_CASE("gatewayapi_status: a status older than the spec is GM0073, never the current verdict") {
  auto all = findings(route("[{name: gw}]", "greeter",
                            parent("{name: gw}", "status: \"False\", reason: NoMatchingParent, message: old", kResolved,
                                   "1"),
                            "2"));
  CHECK(of(all, "GM0070").empty());
  CHECK(of(all, "GM0074").empty());
  auto f = of(all, "GM0073");
  REQUIRE(f.size() == 1);
  CHECK(f[0].level == "info");
  CHECK(f[0].text ==
        "Accepted False (NoMatchingParent: \"old\"); ResolvedRefs True (ResolvedRefs: \"All references resolved\") of "
        "GRPCRoute apps/greeter for parentRef apps/gw is not a verdict on the current spec: it was written for "
        "generation 1 and the object is at generation 2");
  // The same status at the object's generation is the verdict.
  auto current = findings(route("[{name: gw}]", "greeter",
                                parent("{name: gw}", "status: \"False\", reason: NoMatchingParent, message: old",
                                       kResolved, "2"),
                                "2"));
  CHECK(of(current, "GM0073").empty());
  CHECK(of(current, "GM0070").size() == 1);
}

TEST_CASE("gatewayapi_status: a Gateway no controller has judged (the CRD's Pending default) is GM0073") {
  auto all = findings(gateway("  conditions:\n"
                              "  - {type: Accepted, status: Unknown, reason: Pending, message: Waiting for controller}\n"
                              "  - {type: Programmed, status: Unknown, reason: Pending, message: Waiting for controller}\n"));
  auto f = of(all, "GM0073");
  REQUIRE(f.size() == 1);
  CHECK(f[0].resource == "Gateway apps/gw");
  CHECK(has(f[0].text, "Accepted Unknown (Pending: \"Waiting for controller\"); Programmed Unknown (Pending: "
                       "\"Waiting for controller\") of Gateway apps/gw is not a verdict on the current spec: no "
                       "controller has judged it yet"));
  CHECK(of(all, "GM0071").empty());
  CHECK(of(all, "GM0072").empty());
}

TEST_CASE("gatewayapi_status: Programmed False while the address is not assigned is GM0072, a warning") {
  const std::string accepted = "  - {type: Accepted, status: \"True\", reason: Accepted, message: Resource accepted}\n";
  auto waiting = findings(gateway("  conditions:\n" + accepted +
                                  "  - {type: Programmed, status: \"False\", reason: AddressNotAssigned, message: "
                                  "\"Failed to assign to any requested addresses\"}\n"));
  auto f = of(waiting, "GM0072");
  REQUIRE(f.size() == 1);
  CHECK(f[0].level == "warning");
  CHECK(has(f[0].text, "the file's status (controller istio.io/gateway-controller) reports Programmed False "
                       "(AddressNotAssigned: \"Failed to assign to any requested addresses\") for Gateway apps/gw"));
  CHECK(of(waiting, "GM0071").empty());
  // Any other reason is the controller refusing the Gateway.
  auto invalid = findings(gateway("  conditions:\n" + accepted +
                                  "  - {type: Programmed, status: \"False\", reason: Invalid, message: bad}\n"));
  CHECK(of(invalid, "GM0072").empty());
  REQUIRE(of(invalid, "GM0071").size() == 1);
  CHECK(of(invalid, "GM0071")[0].level == "error");
}

TEST_CASE("gatewayapi_status: a listener's False conditions are GM0071 on the Gateway, for its hostname") {
  auto all = findings(gateway(
      "  listeners:\n"
      "  - name: h2c\n    attachedRoutes: 1\n    conditions:\n"
      "    - {type: Accepted, status: \"True\", reason: Accepted, observedGeneration: 1}\n"
      "    - {type: Conflicted, status: \"False\", reason: NoConflicts, observedGeneration: 1}\n"
      "  - name: https\n    attachedRoutes: 0\n    conditions:\n"
      "    - {type: Accepted, status: \"True\", reason: Accepted, observedGeneration: 1}\n"
      "    - {type: Programmed, status: \"False\", reason: Invalid, message: Bad TLS configuration, observedGeneration: 1}\n"
      "    - {type: ResolvedRefs, status: \"False\", reason: InvalidCertificateRef, message: \"secret apps/grpc-cert "
      "not found\", observedGeneration: 1}\n"));
  auto f = of(all, "GM0071");
  REQUIRE(f.size() == 1);
  CHECK(f[0].host == "grpc.example.com");
  CHECK(f[0].text == "the file's status (controller istio.io/gateway-controller) reports Programmed False (Invalid: "
                     "\"Bad TLS configuration\"); ResolvedRefs False (InvalidCertificateRef: \"secret apps/grpc-cert not "
                     "found\") for listener https of Gateway apps/gw");
}

TEST_CASE("gatewayapi_status: a listener refused a Secret of another namespace: the problem found by GM0062, is GM0074") {
  std::string gw = gateway(
      "  listeners:\n  - name: https\n    conditions:\n"
      "    - {type: ResolvedRefs, status: \"False\", reason: RefNotPermitted, message: not permitted}\n"
      "    - {type: Programmed, status: \"False\", reason: Invalid, message: Bad TLS configuration}\n");
  gw.replace(gw.find("[{name: grpc-cert}]"), 19, "[{name: grpc-cert, namespace: certs}]");
  auto all = findings(gw);
  CHECK(of(all, "GM0062").size() == 1);
  CHECK(of(all, "GM0071").empty());
  auto f = of(all, "GM0074");
  REQUIRE(f.size() == 1);
  CHECK(has(f[0].text, "for listener https of Gateway apps/gw: the problem found by GM0062"));
}
