#include "core/check/report.hpp"

#include <doctest/doctest.h>
#include <fmt/format.h>

#include <sstream>

#include "fixture_util.hpp"

using namespace grpcmesh::check;
using nlohmann::json;

namespace {

Result one_finding() {
  Result r;
  Message m = msg::GatewayNotFound("default/missing");
  m.resource = {"VirtualService", "default", "greeter"};
  m.origin = "route.yaml:3";
  m.host = "grpc.example.com";
  r.findings.push_back(m);
  r.skipped.push_back({"gateway_workload", "no Pod in the input"});
  r.analyzers_run = {"route_gateway"};
  return r;
}

}  // namespace

TEST_CASE("report: -o json has exactly the documented shape") {
  json expected = json::parse(R"J({
    "findings": [{
      "code": "GM0008", "level": "error",
      "message": "Referenced gateway not found: \"default/missing\"",
      "fix": "Create the Gateway default/missing, or fix the name in spec.gateways (use <namespace>/<name> for a Gateway in another namespace)",
      "resource": {"kind": "VirtualService", "namespace": "default", "name": "greeter"},
      "istioCode": "IST0101"}],
    "skipped": [{"analyzer": "gateway_workload", "reason": "no Pod in the input"}]})J");
  CHECK(json::parse(to_json(one_finding()).dump()) == expected);
}

TEST_CASE("report: -o sarif is SARIF 2.1.0 with the catalogue as rules and file locations") {
  json s = to_sarif(one_finding(), "0.1.0");
  CHECK(s["version"] == "2.1.0");
  const json& run = s["runs"][0];
  CHECK(run["tool"]["driver"]["rules"].size() == catalogue().size());
  const json& r = run["results"][0];
  CHECK(r["ruleId"] == "GM0008");
  CHECK(run["tool"]["driver"]["rules"][r["ruleIndex"].get<size_t>()]["id"] == "GM0008");
  CHECK(r["level"] == "error");
  CHECK(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "route.yaml");
  CHECK(r["locations"][0]["physicalLocation"]["region"]["startLine"] == 3);
  CHECK(r["locations"][0]["logicalLocations"][0]["fullyQualifiedName"] == "VirtualService/default/greeter");
  CHECK(run["invocations"][0]["toolExecutionNotifications"][0]["message"]["text"] ==
        "analyzer gateway_workload skipped: no Pod in the input");
}

TEST_CASE("report: the human report draws each host's path and marks the broken hop") {
  Snapshot snapshot = check_test::load_fixture(check_test::fixture_root() / "gm0006-backend-http1");
  Result result = run(snapshot, all_analyzers(), check_test::fixture_now());
  std::ostringstream out;
  render_human(out, result, trace_paths(snapshot), {false});
  std::string text = out.str();
  CHECK(text.find("grpc.example.com\n  client\n"
                  "  └─ load balancer: istio-system/istio-ingressgateway LoadBalancer 127.0.0.1  OK\n"
                  "     └─ gateway server: default/grpc-gateway :443 HTTPS tls SIMPLE credential grpc-cert  OK\n"
                  "        └─ route: default/greeter  OK\n"
                  "           └─ service port: default/greeter:50051 TCP  BROKEN\n"
                  "              skipped destination_rule: no DestinationRule in the input\n"
                  "              └─ endpoints: default/greeter: 1 of 1 ready  OK\n") != std::string::npos);
  CHECK(text.find("error GM0006 VirtualService default/greeter") != std::string::npos);
  CHECK(text.find("fix: Name the Service port grpc-<suffix>") != std::string::npos);
  // every analyzer but destination_rule (no DestinationRule in the input) ran
  CHECK(text.find(fmt::format("1 error(s), 0 warning(s), 0 info(s); {} analyzer(s) run, 1 skipped\n",
                              all_analyzers().size() - 1)) != std::string::npos);
  CHECK(text.find('\x1b') == std::string::npos);

  std::ostringstream colored;
  render_human(colored, result, trace_paths(snapshot), {true});
  CHECK(colored.str().find("\x1b[31mBROKEN\x1b[0m") != std::string::npos);
}

TEST_CASE("report: skipped analyzers are drawn on their hop, which is then UNCHECKED, not OK") {
  Snapshot snapshot = check_test::load_fixture(check_test::fixture_root() / "ok-https");
  snapshot.mark_unreadable(Kind::Secret, "forbidden: secrets is forbidden: User \"viewer\" cannot list resource");
  Result result = run(snapshot, all_analyzers(), check_test::fixture_now());
  std::ostringstream out;
  render_human(out, result, trace_paths(snapshot), {false});
  std::string text = out.str();
  INFO(text);
  // The gateway server hop: both secret-reading analyzers under it, in the
  // order they ran, before the route hop; the hop itself is not called OK.
  const std::string server = "     └─ gateway server: default/grpc-gateway :443 HTTPS tls SIMPLE credential grpc-cert  UNCHECKED\n";
  const std::string credential = "        skipped gateway_credential: forbidden: secrets is forbidden: User \"viewer\" cannot list resource\n";
  const std::string certificate = "        skipped gateway_certificate: forbidden: secrets is forbidden: User \"viewer\" cannot list resource\n";
  // The cert-manager analyzers that read the Secret too (whether it exists, how soon it expires).
  std::string cert_manager;
  for (const char* name : {"cert_manager_namespace", "cert_manager_ready", "cert_manager_expiry"}) {
    cert_manager += std::string("        skipped ") + name +
                    ": forbidden: secrets is forbidden: User \"viewer\" cannot list resource\n";
  }
  auto at = text.find(server + credential + certificate + cert_manager + "        └─ route: ");
  CHECK(at != std::string::npos);
  // Hops whose analyzers all ran stay OK; destination_rule (no input) marks the service port hop.
  CHECK(text.find("  └─ load balancer: istio-system/istio-ingressgateway LoadBalancer 127.0.0.1  OK\n") != std::string::npos);
  CHECK(text.find("└─ service port: default/greeter:50051 GRPC  UNCHECKED\n") != std::string::npos);
  // ... and the list at the end still names every skipped analyzer.
  CHECK(text.find("skipped analyzer gateway_credential: forbidden: ") != std::string::npos);
  CHECK(text.find("skipped analyzer destination_rule: no DestinationRule in the input") != std::string::npos);

  std::ostringstream colored;
  render_human(colored, result, trace_paths(snapshot), {true});
  CHECK(colored.str().find("\x1b[33mUNCHECKED\x1b[0m") != std::string::npos);
}

TEST_CASE("report: a host a gateway server accepts but no route serves is drawn up to the server, route BROKEN") {
  Snapshot snapshot = check_test::load_fixture(check_test::fixture_root() / "gm0044-host-without-route");
  Result result = run(snapshot, all_analyzers(), check_test::fixture_now());
  std::ostringstream out;
  render_human(out, result, trace_paths(snapshot), {false});
  std::string text = out.str();
  INFO(text);
  CHECK(text.find("api.example.com\n  client\n"
                  "  └─ load balancer: istio-system/istio-ingressgateway LoadBalancer 127.0.0.1  OK\n"
                  "     └─ gateway server: default/grpc-gateway :443 HTTPS tls SIMPLE credential grpc-cert  OK\n"
                  "        └─ route: no VirtualService routes this host  BROKEN\n"
                  "  error GM0044 Gateway default/grpc-gateway (") != std::string::npos);
  CHECK(text.find("/gm0044-host-without-route/gateway.yaml:2): no route serves api.example.com: every call gets 404 "
                  "(NR)\n"
                  "    fix: kubectl grpcmesh expose SERVICE -n NS --host api.example.com\n\n"
                  "grpc.example.com\n") != std::string::npos);
  // the routed host keeps its whole path, clean
  CHECK(text.find("grpc.example.com\n  client\n") != std::string::npos);
  CHECK(text.find("        └─ route: default/greeter  OK\n") != std::string::npos);
}
