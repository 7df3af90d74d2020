#include "core/kube/exec_credential.hpp"

#include <doctest/doctest.h>

#include <filesystem>

#include <sstream>

#include "core/kube/encoding.hpp"
#include "core/util/files.hpp"
#include "core/util/error.hpp"
#include "tests/unit/kube/fixtures.hpp"

using namespace grpcmesh::kube;
using grpcmesh::kube::testing::error_of;
using grpcmesh::kube::testing::TempDir;
using nlohmann::json;
using std::chrono::system_clock;

namespace {

constexpr const char* kV1 = "client.authentication.k8s.io/v1";

// A plugin that counts its runs in a file and returns a token that expires
// at the time given in $EXPIRY; it also saves KUBERNETES_EXEC_INFO.
std::string counting_plugin(const TempDir& dir) {
  return dir.write("plugin.sh",
                   "#!/bin/sh\n"
                   "n=$(cat \"$COUNT_FILE\" 2>/dev/null || echo 0); n=$((n+1)); echo $n > \"$COUNT_FILE\"\n"
                   "printf '%s' \"$KUBERNETES_EXEC_INFO\" > \"$INFO_FILE\"\n"
                   "printf '{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":\"ExecCredential\","
                   "\"status\":{\"token\":\"tok-%s\",\"expirationTimestamp\":\"%s\"}}' $n \"$EXPIRY\"\n",
                   true);
}

RestConfig exec_config(const TempDir& dir, const std::string& command) {
  RestConfig rc;
  rc.server = "https://10.1.2.3:6443";
  rc.user_name = "plugin-user";
  rc.ca_data = "-----BEGIN CERTIFICATE-----\nX\n-----END CERTIFICATE-----\n";
  rc.exec_env = {{"PATH", "/usr/bin:/bin"}};
  ExecConfig ex;
  ex.api_version = kV1;
  ex.command = command;
  ex.interactive_mode = "Never";
  ex.provide_cluster_info = true;
  ex.env = {{"COUNT_FILE", dir.file("count")}, {"INFO_FILE", dir.file("info")},
            {"EXPIRY", "2030-01-01T00:10:00Z"}};
  rc.exec = ex;
  return rc;
}

}  // namespace

TEST_CASE("exec credentials: parsing the plugin's output") {
  auto cred = parse_exec_credential(
      R"({"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"t","expirationTimestamp":"2030-01-01T00:00:00Z"}})",
      kV1, "p");
  CHECK(cred.token == "t");
  REQUIRE(cred.expiration);
  CHECK(system_clock::to_time_t(*cred.expiration) == 1893456000);

  struct Case {
    std::string name;
    std::string output;
    std::string expected;
  };
  std::vector<Case> cases = {
      {"not JSON", "oops",
       "exec plugin \"p\" did not print an ExecCredential as JSON; check that it supports "
       "client.authentication.k8s.io/v1"},
      {"wrong version", R"({"apiVersion":"client.authentication.k8s.io/v1beta1","kind":"ExecCredential","status":{"token":"t"}})",
       "exec plugin \"p\" is configured to use API version client.authentication.k8s.io/v1, plugin returned version "
       "client.authentication.k8s.io/v1beta1"},
      {"no status", R"({"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential"})",
       "exec plugin \"p\" didn't return a status field"},
      {"no credential", R"({"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{}})",
       "exec plugin \"p\" didn't return a token or cert/key pair"},
      {"bad expiry",
       R"({"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"t","expirationTimestamp":"soon"}})",
       "exec plugin \"p\" returned an invalid expirationTimestamp \"soon\""},
      // A field of the wrong type is one error line (found by
      // exec_credential_fuzz: nlohmann's value() threw type_error, which ended
      // the process); null reads as absent, as Go decodes it.
      {"kind not a string", R"({"apiVersion":"client.authentication.k8s.io/v1","kind":{"apiVersion":"x"}})",
       "exec plugin \"p\" printed an ExecCredential whose kind is a JSON object, not a string"},
      {"token not a string",
       R"({"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":7}})",
       "exec plugin \"p\" printed an ExecCredential whose token is a JSON number, not a string"},
      {"expiry not a string",
       R"({"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"t","expirationTimestamp":[]}})",
       "exec plugin \"p\" printed an ExecCredential whose expirationTimestamp is a JSON array, not a string"},
      {"null token", R"({"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":null}})",
       "exec plugin \"p\" didn't return a token or cert/key pair"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.name);
    CHECK(error_of([&] { parse_exec_credential(c.output, kV1, "p"); }) == c.expected);
  }
}

TEST_CASE("exec credentials: RFC 3339 timestamps") {
  CHECK(system_clock::to_time_t(*parse_rfc3339("2030-01-01T00:00:00Z")) == 1893456000);
  CHECK(system_clock::to_time_t(*parse_rfc3339("2030-01-01T01:00:00.123+01:00")) == 1893456000);
  CHECK_FALSE(parse_rfc3339("2030-01-01"));
  CHECK_FALSE(parse_rfc3339("2030-01-01T00:00:00"));
  // The offset is exactly ±hh:mm; anything shorter is refused without
  // reading past the end of the text.
  CHECK(system_clock::to_time_t(*parse_rfc3339("2030-01-01T00:00:00-01:30")) == 1893456000 + 5400);
  // Years a time_point cannot hold stay in the past or the future (found by
  // exec_credential_fuzz: the year 1015 overflowed the conversion).
  CHECK(*parse_rfc3339("1015-01-01T00:10:00Z") < *parse_rfc3339("1900-01-01T00:00:00Z"));
  CHECK(*parse_rfc3339("9999-12-31T23:59:59Z") > *parse_rfc3339("2100-01-01T00:00:00Z"));
  CHECK(*parse_rfc3339("9999-12-31T23:59:59Z") > system_clock::now());
  for (const char* bad : {"2030-01-01T00:00:00+1:2", "2030-01-01T00:00:00+01:2x", "2030-01-01T00:00:00+1:234",
                          "2030-01-01T00:00:00+01", "2030-01-01T00:00:00+", "2030-01-01T00:00:00+01:00:00"}) {
    CAPTURE(bad);
    CHECK_FALSE(parse_rfc3339(bad));
  }
}

TEST_CASE("exec credentials: cached until expirationTimestamp, re-run after invalidate") {
  TempDir dir;
  RestConfig rc = exec_config(dir, counting_plugin(dir));
  auto now = system_clock::from_time_t(1893456000);  // 2030-01-01T00:00:00Z, the token expires at 00:10
  std::ostringstream diag;
  ExecCredentialProvider provider(rc, diag, false, [&] { return now; });
  CHECK(provider.get().token == "tok-1");
  CHECK(provider.get().token == "tok-1");  // cached
  now += std::chrono::minutes(9);
  CHECK(provider.get().token == "tok-1");
  now += std::chrono::minutes(2);  // past the expiry
  CHECK(provider.get().token == "tok-2");
  provider.invalidate();  // what the client does after a 401
  CHECK(provider.get().token == "tok-3");
  CHECK(provider.runs() == 3);

  // provideClusterInfo: the plugin sees the cluster in KUBERNETES_EXEC_INFO.
  json info = json::parse(*grpcmesh::util::read_file(dir.file("info")));
  CHECK(info["apiVersion"] == kV1);
  CHECK(info["kind"] == "ExecCredential");
  CHECK(info["spec"]["interactive"] == false);
  CHECK(info["spec"]["cluster"]["server"] == "https://10.1.2.3:6443");
  CHECK(info["spec"]["cluster"]["certificate-authority-data"] == base64_encode(rc.ca_data));
}

TEST_CASE("exec credentials: the plugin is looked up as Go's exec.LookPath looks it up") {
  TempDir dir;
  std::string plugin = counting_plugin(dir);  // dir/plugin.sh
  std::ostringstream diag;
  // The search uses the PATH of the process, not the one in the plugin's env.
  RestConfig in_env = exec_config(dir, "plugin.sh");
  in_env.exec->env.push_back({"PATH", dir.path()});
  ExecCredentialProvider not_found(in_env, diag, false);
  CHECK(error_of([&] { not_found.get(); }).starts_with("exec plugin: executable \"plugin.sh\" of user"));
  RestConfig in_parent = exec_config(dir, "plugin.sh");
  in_parent.exec_env["PATH"] = "/nonexistent:" + dir.path();
  in_parent.exec->env.push_back({"PATH", "/nonexistent"});
  ExecCredentialProvider found(in_parent, diag, false);
  CHECK(found.get().token == "tok-1");
  // No PATH at all finds nothing (Go's filepath.SplitList("") is empty).
  RestConfig no_path = exec_config(dir, "sh");
  no_path.exec_env.erase("PATH");
  ExecCredentialProvider nothing(no_path, diag, false);
  CHECK(error_of([&] { nothing.get(); }).starts_with("exec plugin: executable \"sh\" of user"));
  // An empty or relative PATH element that finds it: refused, not run.
  auto cwd = std::filesystem::current_path();
  std::filesystem::current_path(dir.path());
  for (const std::string& elements : {std::string(":/usr/bin"), std::string("/nonexistent::/usr/bin"),
                                      std::string("."), std::string("../" + std::filesystem::path(dir.path()).filename().string())}) {
    CAPTURE(elements);
    RestConfig relative = exec_config(dir, "plugin.sh");
    relative.exec_env["PATH"] = elements;
    ExecCredentialProvider refused(relative, diag, false);
    CHECK(error_of([&] { refused.get(); }).find("relative to the current directory, which kubectl refuses to run") !=
          std::string::npos);
  }
  std::filesystem::current_path(cwd);
  CHECK(found.runs() == 1);
}

TEST_CASE("exec credentials: a missing plugin shows the installHint - a failing one its exit code") {
  TempDir dir;
  RestConfig rc = exec_config(dir, "grpcmesh-no-such-plugin");
  rc.exec->install_hint = "install it with: brew install\nthe-plugin";
  std::ostringstream diag;
  ExecCredentialProvider missing(rc, diag, false);
  CHECK(error_of([&] { missing.get(); }) ==
        "exec plugin: executable \"grpcmesh-no-such-plugin\" of user \"plugin-user\" not found; install it with: brew "
        "install the-plugin");

  RestConfig failing = exec_config(dir, dir.write("fail.sh", "#!/bin/sh\nexit 3\n", true));
  ExecCredentialProvider fails(failing, diag, false);
  CHECK(error_of([&] { fails.get(); }).find("failed with exit code 3") != std::string::npos);

  RestConfig always = exec_config(dir, counting_plugin(dir));
  always.exec->interactive_mode = "Always";
  ExecCredentialProvider needs_tty(always, diag, false);
  CHECK(error_of([&] { needs_tty.get(); }).find("needs an interactive terminal") != std::string::npos);
}
