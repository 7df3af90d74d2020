#include "core/kube/apply.hpp"

#include <doctest/doctest.h>

#include <sstream>

#include "core/kube/printer.hpp"

using namespace grpcmesh::kube;
using nlohmann::json;

namespace {

json object(const std::string& api_version, const std::string& kind, const std::string& name) {
  return {{"apiVersion", api_version}, {"kind", kind}, {"metadata", {{"name", name}}}};
}

}  // namespace

TEST_CASE("apply: objects are applied in dependency order") {
  std::vector<json> in = {
      object("networking.istio.io/v1alpha3", "EnvoyFilter", "f"),
      object("networking.istio.io/v1", "VirtualService", "vs"),
      object("example.com/v1", "Widget", "w"),
      object("networking.istio.io/v1", "Gateway", "gw"),
      object("v1", "Service", "svc"),
      object("v1", "Secret", "tls"),
      object("v1", "Namespace", "ns"),
      object("gateway.networking.k8s.io/v1", "GRPCRoute", "r"),
  };
  std::vector<std::string> names;
  for (const auto& o : order_for_apply(in)) {
    names.push_back(o["metadata"]["name"]);
  }
  CHECK(names == std::vector<std::string>{"ns", "tls", "svc", "gw", "vs", "r", "f", "w"});
}

TEST_CASE("apply: result classification") {
  json before = object("v1", "ConfigMap", "c");
  before["metadata"]["resourceVersion"] = "10";
  before["metadata"]["managedFields"] = json::array({{{"manager", "a"}}});
  before["data"] = {{"k", "v"}};
  json same = before;
  same["metadata"]["managedFields"] = json::array({{{"manager", "a"}}, {{"manager", "b"}}});
  json changed = before;
  changed["data"]["k"] = "w";
  changed["metadata"]["resourceVersion"] = "11";
  struct Case {
    std::string name;
    long status;
    std::optional<json> before;
    json after;
    ApplyAction expected;
  };
  std::vector<Case> cases = {
      {"201 is created", 201, std::nullopt, before, ApplyAction::Created},
      {"absent before is created (server dry run answers 200 or 201)", 200, std::nullopt, before, ApplyAction::Created},
      {"only managedFields differ: unchanged", 200, before, same, ApplyAction::Unchanged},
      {"data changed: configured", 200, before, changed, ApplyAction::Configured},
  };
  for (const auto& c : cases) {
    CAPTURE(c.name);
    std::optional<std::string> fingerprint;
    if (c.before) {
      fingerprint = apply_fingerprint(*c.before);
    }
    CHECK(classify_apply(c.status, fingerprint, c.after) == c.expected);
  }
}

TEST_CASE("apply: the report prints like kubectl apply") {
  ApplyReport report;
  report.dry_run = DryRun::Server;
  report.results.push_back({object("v1", "Service", "a"), "service/a", "ns", ApplyAction::Created, ""});
  report.results.push_back(
      {object("networking.istio.io/v1", "VirtualService", "b"), "virtualservice.networking.istio.io/b", "ns",
       ApplyAction::Unchanged, ""});
  std::ostringstream out;
  std::ostringstream err;
  CHECK(print_apply_report(out, err, report, {}) == 0);
  CHECK(out.str() == "service/a created (server dry run)\nvirtualservice.networking.istio.io/b unchanged (server dry run)\n");
  CHECK(err.str().empty());

  std::ostringstream names;
  PrintOptions name_only;
  name_only.format = OutputFormat::Name;
  print_apply_report(names, err, report, name_only);
  CHECK(names.str() == "service/a\nvirtualservice.networking.istio.io/b\n");
}

TEST_CASE("apply: a failure reports what was applied and what was not, exit 1") {
  ApplyReport report;
  report.results.push_back({object("v1", "Namespace", "n"), "namespace/n", "", ApplyAction::Configured, ""});
  report.results.push_back({object("v1", "Service", "s"), "service/s", "n", ApplyAction::Failed,
                            "Error from server (Forbidden): nope"});
  report.results.push_back({object("networking.istio.io/v1", "Gateway", "g"), "gateway.networking.istio.io/g", "n",
                            ApplyAction::NotApplied, ""});
  CHECK_FALSE(report.ok());
  std::ostringstream out;
  std::ostringstream err;
  CHECK(print_apply_report(out, err, report, {}) == 1);
  CHECK(out.str() == "namespace/n configured\n");
  CHECK(err.str() == "error: Error from server (Forbidden): nope\nnot applied: gateway.networking.istio.io/g\n");
}
