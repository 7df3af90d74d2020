// The client's retries and warnings against a fake API server that fails on
// purpose (tests/testdata/kube/flaky_apiserver.py): 429 with Retry-After,
// 503, a connection reset, a 500 without Retry-After, a non-idempotent POST.
#include <doctest/doctest.h>

#include "harness.hpp"

namespace {

using e2e::count_of;

struct FlakyServer {
  e2e::Background proc{{"python3", (e2e::source_dir() / "tests/testdata/kube/flaky_apiserver.py").string()}};
  std::string url;
  FlakyServer() { url = "http://127.0.0.1:" + proc.wait_for_line("listening on ").substr(13); }
};

e2e::Result probe(const std::string& server, std::vector<std::string> args) {
  e2e::TempDir home;
  std::vector<std::string> argv{(e2e::plugin_path().parent_path() / "grpcmesh-kube-probe").string()};
  argv.insert(argv.end(), args.begin(), args.end());
  argv.insert(argv.end(), {"-s", server, "-v", "6"});
  e2e::RunOptions options;
  options.env = {{"HOME", home.path().string()}, {"KUBECONFIG", ""}};
  return e2e::run(argv, options);
}

}  // namespace

TEST_SUITE("kube client") {
  TEST_CASE("retries: 429 honours Retry-After, 503 and a reset are retried for reads") {
    FlakyServer server;
    auto r = probe(server.url, {"get", "ConfigMap", "reset", "-o", "name"});
    CAPTURE(r.describe());
    CHECK(r.out == "configmap/reset\n");
    CHECK(count_of(r.err, "GET " + server.url + "/api 429 Too Many Requests") == 1);
    CHECK(count_of(r.err, "GET " + server.url + "/api 200 OK") == 1);
    CHECK(count_of(r.err, "GET " + server.url + "/apis 503 Service Unavailable") == 1);
    CHECK(count_of(r.err, "GET " + server.url + "/apis 200 OK") == 1);
    CHECK(count_of(r.err, "GET " + server.url + "/api/v1/namespaces/default/configmaps/reset failed") == 1);
    CHECK(count_of(r.err, "GET " + server.url + "/api/v1/namespaces/default/configmaps/reset 200 OK") == 1);
  }

  TEST_CASE("retries: a Retry-After beyond 64 bits is no wait, not an error") {
    FlakyServer server;
    auto r = probe(server.url, {"get", "ConfigMap", "huge-retry-after", "-o", "name"});
    CAPTURE(r.describe());
    CHECK(r.exit_code == 0);
    CHECK(r.out == "configmap/huge-retry-after\n");
    CHECK(count_of(r.err, "/configmaps/huge-retry-after 429 Too Many Requests") == 1);
  }

  TEST_CASE("retries: never for a POST, nor for a 500 without Retry-After") {
    FlakyServer server;
    auto post = probe(server.url, {"whoami"});
    CAPTURE(post.describe());
    CHECK(post.exit_code == 1);
    CHECK(count_of(post.err, "POST ") == 1);
    CHECK(count_of(post.err, "error: Error from server (ServiceUnavailable): try later\n") == 1);
    auto boom = probe(server.url, {"get", "ConfigMap", "always-500"});
    CHECK(count_of(boom.err, "/configmaps/always-500 500 Internal Server Error") == 1);
    CHECK(count_of(boom.err, "error: Error from server (InternalError): boom\n") == 1);
  }

  TEST_CASE("--request-timeout bounds each request") {
    FlakyServer server;
    auto slow = probe(server.url, {"get", "ConfigMap", "slow", "--request-timeout", "1s"});
    CAPTURE(slow.describe());
    CHECK(slow.exit_code == 1);
    CHECK(count_of(slow.err, "error: Unable to connect to the server 127.0.0.1:") == 1);
    CHECK(count_of(slow.err, ": timed out (Operation timed out after ") == 1);
    CHECK(count_of(slow.err, "the server is slow or unreachable, or raise --request-timeout\n") == 1);
    auto patient = probe(server.url, {"get", "ConfigMap", "slow", "--request-timeout", "10s", "-o", "name"});
    CHECK(patient.out == "configmap/slow\n");
    auto bad = probe(server.url, {"get", "ConfigMap", "slow", "--request-timeout", "soon"});
    CHECK(bad.exit_code == 2);
    CHECK(count_of(bad.err, "invalid --request-timeout \"soon\"") == 1);
  }

  TEST_CASE("warnings: each text once on stderr, across requests") {
    FlakyServer server;
    e2e::TempDir dir;
    auto file = dir.write("w.yaml",
                          "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: warned}\n---\n"
                          "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: warned-too}\n");
    auto r = probe(server.url, {"apply", "-f", file.string()});
    CAPTURE(r.describe());
    CHECK(r.out == "configmap/warned created\nconfigmap/warned-too created\n");
    CHECK(count_of(r.err, "Warning: the first warning\n") == 1);
    CHECK(count_of(r.err, "Warning: the second warning\n") == 1);
  }
}
