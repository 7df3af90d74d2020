// Files named by options: one that cannot be read is one line naming the
// option, the path and why, exit 1, before any cluster access (no kubeconfig
// here at all).
#include <doctest/doctest.h>

#include "cli_util.hpp"

namespace {

void check_unreadable(const std::vector<std::string>& args, const std::string& expected) {
  INFO(args[0]);
  auto r = cli_test::plugin(args);
  CHECK(r.exit_code == 1);
  CHECK(r.out.empty());
  CHECK(r.err == "error: " + expected + "\n");
}

}  // namespace

TEST_CASE("input files: an unreadable file is named with its option and the reason") {
  e2e::TempDir dir("grpcmesh-cli");
  const std::string missing = (dir.path() / "missing.pem").string();
  const std::string directory = dir.path().string();
  check_unreadable({"init", "--host", "grpc.example.com", "--client-ca", missing, "--gateway-namespace",
                    "istio-system", "--dry-run=client"},
                   "cannot read --client-ca " + missing + ": No such file or directory");
  check_unreadable({"tls", "--host", "grpc.example.com", "--cert", missing, "--key", missing, "--gateway-namespace",
                    "istio-system", "--dry-run=client"},
                   "cannot read --cert " + missing + ": No such file or directory");
  check_unreadable({"tls", "--host", "grpc.example.com", "--self-signed", "--ca", directory, "--gateway-namespace",
                    "istio-system", "--dry-run=client"},
                   "cannot read --ca " + directory + ": Is a directory");
  check_unreadable({"grpcurl", "-cacert", missing, "127.0.0.1:1", "list"},
                   "cannot read -cacert " + missing + ": No such file or directory");
}

TEST_CASE("input files: check -f reads Namespaces and prints cluster-scoped objects without a namespace") {
  e2e::TempDir dir("grpcmesh-cli");
  const std::string extra = (dir.path() / "extra.yaml").string();
  cli_test::spit(extra,
                 "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: grpc-apps\n---\n"
                 "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: grpc-reader\n");
  const std::string fixture = (cli_test::source_dir() / "tests/testdata/check/ok-https").string();
  auto run = [&](const std::vector<std::string>& output) {
    std::vector<std::string> args{"check", "--offline", "--fail-on", "none", "-f", fixture, "-f", extra};
    args.insert(args.end(), output.begin(), output.end());
    auto r = cli_test::plugin(args);
    CAPTURE(r.describe());
    CHECK(r.exit_code == 0);
    CHECK(r.out.find("grpc-apps") == std::string::npos);  // the Namespace is read, not reported
    return r.out;
  };
  CHECK(run({}).find("info GM0001 ClusterRole grpc-reader (" + extra + ":6)") != std::string::npos);
  const std::string json_resource =
      "\"resource\": {\n        \"kind\": \"ClusterRole\",\n        \"name\": \"grpc-reader\"\n";
  CHECK(run({"-o", "json"}).find(json_resource) != std::string::npos);
  CHECK(run({"-o", "yaml"}).find("  resource:\n    kind: ClusterRole\n    name: grpc-reader\n") != std::string::npos);
  CHECK(run({"-o", "sarif"}).find("\"fullyQualifiedName\": \"ClusterRole/grpc-reader\"") != std::string::npos);
}
