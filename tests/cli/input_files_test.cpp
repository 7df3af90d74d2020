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
