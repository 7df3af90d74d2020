// `check --offline -f` on a Gateway API snapshot: the paths drawn for its
// hosts (load balancer from the Gateway's status.addresses and the Service
// istiod deployed, listener, route rule, service port, endpoints), with the
// findings on their hops, in the default report and in -o json, against
// goldens (GRPCMESH_UPDATE_GOLDEN=1 rewrites them).
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "cli_util.hpp"

using namespace cli_test;

namespace {

const fs::path kInput = "tests/testdata/check-paths/gateway-api";

// Run from the source directory, so the findings name the files as given.
e2e::Result check(const std::vector<std::string>& extra) {
  e2e::RunOptions options;
  options.clear_env = true;
  options.cwd = source_dir();
  options.env = {{"PATH", "/usr/bin:/bin"}, {"HOME", "/nonexistent"}, {"TERM", "dumb"},
                 {"KUBECTL_PATH", "/usr/bin/kubectl"}};
  std::vector<std::string> argv{e2e::plugin_path().string(), "check", "--offline", "-f", kInput.string()};
  argv.insert(argv.end(), extra.begin(), extra.end());
  return e2e::run(argv, options);
}

void golden(const e2e::Result& r, const std::string& name) {
  const fs::path path = source_dir() / "tests/testdata/check-paths" / name;
  if (updating_goldens()) {
    spit(path, r.out);
    return;
  }
  REQUIRE_MESSAGE(fs::exists(path), "no golden file; run with GRPCMESH_UPDATE_GOLDEN=1");
  CHECK_MESSAGE(r.out == slurp(path), "output changed; if intended, rerun with GRPCMESH_UPDATE_GOLDEN=1 and review the diff");
}

}  // namespace

TEST_CASE("check paths: a Gateway API snapshot draws each host's path, as the golden shows") {
  e2e::Result r = check({});
  CHECK(r.exit_code == 3);  // GM0061 is an error
  CHECK(r.err.empty());
  golden(r, "gateway-api.txt");
  // the finding is drawn on its hop, under its host
  CHECK(r.out.find("service port: apps/legacy:8080 HTTP  BROKEN") != std::string::npos);
  CHECK(r.out.find("error GM0061 GRPCRoute apps/legacy") != std::string::npos);
}

TEST_CASE("check paths: -o json holds the same paths, schemaVersion 2") {
  e2e::Result r = check({"-o", "json"});
  CHECK(r.exit_code == 3);
  golden(r, "gateway-api.json");
  auto doc = nlohmann::json::parse(r.out);
  CHECK(doc["schemaVersion"] == 2);
  CHECK(doc["paths"].size() == 4);
}

TEST_CASE("check paths: --host picks a host only the Gateway API serves") {
  e2e::Result r = check({"--host", "api.example.org", "--fail-on", "none"});
  CHECK(r.exit_code == 0);
  CHECK(r.err.empty());
  CHECK(r.out.rfind("api.example.org\n  client\n  └─ load balancer: apps/gw status.addresses 203.0.113.10; Service "
                    "apps/gw-istio LoadBalancer  OK\n",
                    0) == 0);
  CHECK(r.out.find("legacy") == std::string::npos);
  e2e::Result none = check({"--host", "nobody.example.org"});
  CHECK(none.exit_code == 3);
  CHECK(none.err == "nothing serves host \"nobody.example.org\": no Gateway server, VirtualService, Gateway API "
                    "listener or route names it\n");
}

TEST_CASE("check paths: a Gateway API backend with no ready endpoint breaks the endpoints hop") {
  e2e::RunOptions options;
  options.clear_env = true;
  options.cwd = source_dir();
  options.env = {{"PATH", "/usr/bin:/bin"}, {"HOME", "/nonexistent"}, {"TERM", "dumb"}};
  e2e::Result r = e2e::run({e2e::plugin_path().string(), "check", "--offline", "-f",
                            "tests/testdata/check/gm0030-gatewayapi-no-ready-endpoints", "--host", "api.example.org"},
                           options);
  CHECK(r.exit_code == 3);
  CHECK(r.err.empty());
  CHECK_MESSAGE(r.out.find("endpoints: apps/greeter: 0 of 1 ready  BROKEN") != std::string::npos, r.out);
  CHECK_MESSAGE(r.out.find("error GM0030 Service apps/greeter") != std::string::npos, r.out);
}

// The clashes istiod resolves one way (GM0075 to GM0077), on the fixtures of
// the check table, against goldens: where the finding is drawn and what it
// says of the winner.
namespace {

e2e::Result check_fixture(const std::string& fixture) {
  e2e::RunOptions options;
  options.clear_env = true;
  options.cwd = source_dir();
  options.env = {{"PATH", "/usr/bin:/bin"}, {"HOME", "/nonexistent"}, {"TERM", "dumb"},
                 {"KUBECTL_PATH", "/usr/bin/kubectl"}};
  return e2e::run({e2e::plugin_path().string(), "check", "--offline", "-f", "tests/testdata/check/" + fixture}, options);
}

}  // namespace

TEST_CASE("check paths: a GRPCRoute shadowed by an HTTPRoute on one host, as the golden shows") {
  e2e::Result r = check_fixture("gm0075-gatewayapi-route-shadowed");
  CHECK(r.exit_code == 0);  // a warning
  CHECK(r.err.empty());
  golden(r, "clash-route-shadowed.txt");
  CHECK(r.out.find("warning GM0075 GRPCRoute apps/greeter") != std::string::npos);
  CHECK(r.out.find("go to HTTPRoute apps/web rule 0, not to GRPCRoute apps/greeter rule 0") != std::string::npos);
}

TEST_CASE("check paths: an Istio Gateway on the pods of a Gateway API Gateway, as the goldens show") {
  e2e::Result merged = check_fixture("gm0076-gatewayapi-istio-gateway-merged");
  CHECK(merged.exit_code == 0);  // a warning
  CHECK(merged.err.empty());
  golden(merged, "clash-istio-gateway-merged.txt");
  CHECK(merged.out.find("warning GM0076 Gateway apps/legacy") != std::string::npos);
  e2e::Result tls = check_fixture("gm0077-gatewayapi-istio-gateway-tls-clash");
  CHECK(tls.exit_code == 3);  // an error
  CHECK(tls.err.empty());
  golden(tls, "clash-istio-gateway-tls.txt");
  CHECK(tls.out.find("error GM0077 Gateway apps/legacy") != std::string::npos);
}
