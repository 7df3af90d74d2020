// `check --offline -f` on Gateway API objects that carry a status (written
// by hand in the fixture, as the file says): the conditions are reported as
// the file's, with their reasons, a stale one as not current, against a
// golden (GRPCMESH_UPDATE_GOLDEN=1 rewrites it).
#include <doctest/doctest.h>

#include <map>
#include <nlohmann/json.hpp>

#include "cli_util.hpp"

using namespace cli_test;

namespace {

e2e::Result check_status(const std::vector<std::string>& extra) {
  e2e::RunOptions options;
  options.clear_env = true;
  options.cwd = source_dir();
  options.env = {{"PATH", "/usr/bin:/bin"}, {"HOME", "/nonexistent"}, {"TERM", "dumb"},
                 {"KUBECTL_PATH", "/usr/bin/kubectl"}};
  std::vector<std::string> argv{e2e::plugin_path().string(), "check", "--offline", "-f",
                                "tests/testdata/check-status"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  return e2e::run(argv, options);
}

}  // namespace

TEST_CASE("check status: a file's Gateway API status is reported as the file's, as the golden shows") {
  e2e::Result r = check_status({});
  CHECK(r.exit_code == 3);  // GM0070 and GM0071 are errors
  CHECK(r.err.empty());
  const fs::path path = source_dir() / "tests/testdata/check-status.txt";
  if (updating_goldens()) {
    spit(path, r.out);
  } else {
    REQUIRE_MESSAGE(fs::exists(path), "no golden file; run with GRPCMESH_UPDATE_GOLDEN=1");
    CHECK_MESSAGE(r.out == slurp(path),
                  "output changed; if intended, rerun with GRPCMESH_UPDATE_GOLDEN=1 and review the diff");
  }
  CHECK(r.out.find("error GM0070 GRPCRoute apps/odd (tests/testdata/check-status/status.yaml:") != std::string::npos);
  CHECK(r.out.find("the file's status (controller istio.io/gateway-controller) reports ResolvedRefs False "
                   "(InvalidKind: \"referencing unsupported backendRef\") for parentRef apps/gw/h2c") !=
        std::string::npos);
  // Never said as if a controller said it now.
  CHECK(r.out.find("controller istio.io/gateway-controller reports") == std::string::npos);
}

TEST_CASE("check status: -o json gives each status finding its code and level") {
  e2e::Result r = check_status({"-o", "json"});
  CHECK(r.exit_code == 3);
  auto doc = nlohmann::json::parse(r.out);
  std::map<std::string, std::string> got;  // "CODE name" -> level
  for (const auto& f : doc["findings"]) {
    std::string code = f["code"];
    if (code >= "GM0070" && code <= "GM0074") {
      got[code + " " + f["resource"]["name"].get<std::string>()] = f["level"];
    }
  }
  const std::map<std::string, std::string> want{
      {"GM0070 odd", "error"},           // InvalidKind: no analyzer predicts it
      {"GM0071 gw", "error"},            // listener https: its Secret is missing
      {"GM0072 gw", "warning"},          // Programmed False, AddressNotAssigned
      {"GM0073 changed", "info"},        // status of generation 2, object at 3
      {"GM0073 unclaimed", "info"},      // the CRD's Pending default
      {"GM0074 nosection", "info"},      // as GM0066 says
  };
  CHECK(got == want);
}
