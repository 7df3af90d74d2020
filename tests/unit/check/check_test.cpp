#include "core/check/check.hpp"

#include <doctest/doctest.h>

#include <set>
#include <sstream>

#include "core/util/error.hpp"
#include "fixture_util.hpp"

using namespace grpcmesh::check;

namespace {

struct Run {
  int code = -1;
  std::string out;
  std::string err;
};

Run check_files(const std::vector<std::string>& cases, Options options = {}) {
  options.live = false;
  options.now = check_test::fixture_now();
  for (const auto& c : cases) {
    options.files.push_back((check_test::fixture_root() / c).string());
  }
  std::istringstream in;
  std::ostringstream out, err;
  grpcmesh::Streams streams{in, out, err};
  Run r;
  r.code = run_check(options, [](Snapshot&, const Options&) { FAIL("offline must not contact a cluster"); }, streams);
  r.out = out.str();
  r.err = err.str();
  return r;
}

}  // namespace

TEST_CASE("check: exit 0 when clean, 3 when something at or above --fail-on was found") {
  CHECK(check_files({"ok-https"}).code == grpcmesh::kExitOk);
  CHECK(check_files({"gm0006-backend-http1"}).code == grpcmesh::kExitFindings);
  // GM0027 is a warning: not a failure by default, a failure with --fail-on warning
  CHECK(check_files({"gm0027-certificate-expiring-soon"}).code == grpcmesh::kExitOk);
  Options warn;
  parse_fail_on("warning", warn);
  CHECK(check_files({"gm0027-certificate-expiring-soon"}, warn).code == grpcmesh::kExitFindings);
  Options never;
  parse_fail_on("none", never);
  CHECK(check_files({"gm0006-backend-http1"}, never).code == grpcmesh::kExitOk);
}

TEST_CASE("check: --host keeps only that host's path and findings") {
  Options o;
  o.output = OutputFormat::Json;
  o.host = "grpc.example.com";
  auto j = nlohmann::json::parse(check_files({"gm0014-host-not-on-gateway"}, o).out);
  // the Gateway serves grpc.example.com, but the only route is for api.example.org
  REQUIRE(j["findings"].size() == 1);
  CHECK(j["findings"][0]["code"] == "GM0044");
  o.host = "api.example.org";
  j = nlohmann::json::parse(check_files({"gm0014-host-not-on-gateway"}, o).out);
  REQUIRE(j["findings"].size() == 1);
  CHECK(j["findings"][0]["code"] == "GM0014");
}

TEST_CASE("check: -o json keeps the documented key order") {
  Options o;
  o.output = OutputFormat::Json;
  std::string json = check_files({"gm0008-gateway-missing"}, o).out;
  auto code = json.find("\"code\"");
  auto level = json.find("\"level\"");
  auto message = json.find("\"message\"");
  auto fix = json.find("\"fix\"");
  auto resource = json.find("\"resource\"");
  auto istio = json.find("\"istioCode\"");
  CHECK((code < level && level < message && message < fix && fix < resource && resource < istio));
  CHECK(istio != std::string::npos);
}

TEST_CASE("check: -o yaml renders the same document as -o json") {
  Options o;
  o.output = OutputFormat::Yaml;
  std::string yaml = check_files({"gm0008-gateway-missing"}, o).out;
  INFO(yaml);
  CHECK(yaml.rfind("findings:\n- code: GM0008\n  fix: Create the Gateway default/missing-gateway", 0) == 0);
  CHECK(yaml.find("\n  istioCode: IST0101\n  level: error\n") != std::string::npos);
}

TEST_CASE("check: flag values are validated with kubectl's wording") {
  Options o;
  CHECK_THROWS_AS(parse_fail_on("fatal", o), grpcmesh::UsageError);
  CHECK_THROWS_WITH_AS(parse_output("table"),
                       "unable to match a printer suitable for the output format \"table\", allowed formats are: "
                       "json,sarif,yaml",
                       grpcmesh::UsageError);
  CHECK(parse_output("sarif") == OutputFormat::Sarif);
}

TEST_CASE("check: --host for a host nothing serves says so in one line and exits 3") {
  Options o;
  o.host = "b.example.com";
  Run r = check_files({"ok-https"}, o);
  CHECK(r.code == grpcmesh::kExitFindings);
  CHECK(r.out.empty());
  CHECK(r.err == "nothing serves host \"b.example.com\": no Gateway server, VirtualService, Gateway API listener or route names it\n");
  // machine formats still print their document
  o.output = OutputFormat::Json;
  r = check_files({"ok-https"}, o);
  CHECK(r.code == grpcmesh::kExitFindings);
  CHECK(nlohmann::json::parse(r.out)["findings"].empty());
  CHECK(r.err == "nothing serves host \"b.example.com\": no Gateway server, VirtualService, Gateway API listener or route names it\n");
  // --fail-on none: said, but not a failure
  Options never;
  never.host = "b.example.com";
  parse_fail_on("none", never);
  CHECK(check_files({"ok-https"}, never).code == grpcmesh::kExitOk);
  // a host only a Gateway server names is served (its missing route is a finding)
  Options gw_only;
  gw_only.host = "api.example.com";
  gw_only.output = OutputFormat::Json;
  r = check_files({"gm0044-host-without-route"}, gw_only);
  CHECK(r.code == grpcmesh::kExitFindings);
  CHECK(r.err.empty());
  auto j = nlohmann::json::parse(r.out);
  REQUIRE(j["findings"].size() == 1);
  CHECK(j["findings"][0]["code"] == "GM0044");
}

TEST_CASE("check: the routed host of a gateway with an unrouted one is clean under --host") {
  Options o;
  o.host = "grpc.example.com";
  o.output = OutputFormat::Json;
  Run r = check_files({"gm0044-host-without-route"}, o);
  CHECK(r.code == grpcmesh::kExitOk);
  CHECK(nlohmann::json::parse(r.out)["findings"].empty());
}

TEST_CASE("check: --host for a host only a Gateway serves keeps that Gateway's findings without a host") {
  Options o;
  o.host = "admin.example.com";
  o.output = OutputFormat::Json;
  Run r = check_files({"gm0021-duplicate-certificate"}, o);
  INFO(r.out, r.err);
  const nlohmann::json doc = nlohmann::json::parse(r.out);
  std::set<std::string> codes;
  for (const auto& f : doc["findings"]) {
    codes.insert(f["code"].get<std::string>() + " " + f["resource"]["name"].get<std::string>());
  }
  // GM0021 names no host: it belongs to the host through the Gateway serving it
  CHECK(codes == std::set<std::string>{"GM0021 admin-gateway", "GM0044 admin-gateway"});
}

TEST_CASE("check: -n NS draws the hosts of the namespace's Gateways, routed or not") {
  Snapshot snapshot = check_test::load_fixture(check_test::fixture_root() / "gm0044-no-route");
  Result result = run(snapshot, all_analyzers(), check_test::fixture_now());
  std::vector<HostPath> paths = trace_paths(snapshot);
  Options o;
  o.live = true;
  o.namespace_name = "default";
  apply_scope(result, paths, snapshot, o);
  REQUIRE(paths.size() == 1);
  CHECK(paths[0].host == "grpc.example.com");
  REQUIRE(paths[0].hops.size() == 3);
  CHECK(paths[0].hops[2].label == "no VirtualService routes this host");
  REQUIRE(result.findings.size() == 1);
  CHECK(result.findings[0].code == "GM0044");
  // another namespace has neither the Gateway's path nor its finding
  Result other = run(snapshot, all_analyzers(), check_test::fixture_now());
  std::vector<HostPath> other_paths = trace_paths(snapshot);
  o.namespace_name = "apps";
  apply_scope(other, other_paths, snapshot, o);
  CHECK(other_paths.empty());
  CHECK(other.findings.empty());
}
