// Servers that attack the client: an HPACK bomb (tests/testdata/h2/
// hpack_bomb_server.py: one 16 KB HEADERS frame that expands to some 48 MB of
// header list) against both HTTP/2 clients. Each must stop at its limit (10
// MiB as Go's HTTP/2 client, 16 MiB as grpc-go), say so in one line and exit
// at once (1, or grpcurl's 77 for an Internal status), instead of keeping the
// headers and waiting for a body that never comes.
#include <doctest/doctest.h>

#include <chrono>

#include "harness.hpp"

namespace {

using e2e::contains;

struct BombServer {
  e2e::Background proc;
  std::string address;
  explicit BombServer(std::vector<std::string> flags = {}) : proc(argv(std::move(flags))) {
    address = proc.wait_for_line("listening on ").substr(13);
  }
  static std::vector<std::string> argv(std::vector<std::string> flags) {
    std::vector<std::string> out{"python3", (e2e::source_dir() / "tests/testdata/h2/hpack_bomb_server.py").string()};
    out.insert(out.end(), flags.begin(), flags.end());
    return out;
  }
};

}  // namespace

TEST_SUITE("hostile servers") {
  TEST_CASE("hostile servers: the Kubernetes client refuses an HPACK bomb at 10 MiB of headers") {
    e2e::TempDir dir;
    const std::string cert = (dir.path() / "tls.crt").string();
    const std::string key = (dir.path() / "tls.key").string();
    auto made = e2e::run({"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                          "-days", "1", "-subj", "/CN=bomb", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", key,
                          "-out", cert});
    REQUIRE_MESSAGE(made.ok(), made.describe());
    BombServer server({"--tls-cert", cert, "--tls-key", key});
    e2e::RunOptions options;
    options.env = {{"HOME", dir.path().string()}, {"KUBECONFIG", ""}};
    options.timeout = std::chrono::seconds(20);
    auto start = std::chrono::steady_clock::now();
    auto r = e2e::run({(e2e::plugin_path().parent_path() / "grpcmesh-kube-probe").string(), "get", "ConfigMap", "x",
                       "-s", "https://" + server.address, "--certificate-authority", cert},
                      options);
    CAPTURE(r.describe());
    CHECK_FALSE(r.timed_out);
    CHECK(r.exit_code == 1);
    CHECK(r.err.ends_with(": the server sent more than 10 MiB of response headers (client-go's limit)\n"));
    CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));
  }

  TEST_CASE("hostile servers: grpcurl refuses an HPACK bomb at 16 MiB of headers") {
    BombServer server;
    e2e::RunOptions options;
    options.timeout = std::chrono::seconds(20);
    auto start = std::chrono::steady_clock::now();
    auto r = e2e::run({e2e::plugin_path().string(), "grpcurl", "-plaintext", server.address, "list"}, options);
    CAPTURE(r.describe());
    CHECK_FALSE(r.timed_out);
    CHECK(r.exit_code == 64 + 13);  // grpcurl's exit code for a status: 64 + Internal
    CHECK(r.err == "error: server reflection failed: Internal: peer header list size exceeded limit (16 MiB of "
                   "response headers)\n");
    CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));
  }
}

TEST_SUITE("hostile servers") {
  TEST_CASE("hostile servers: grpcurl's TLS handshake ends at -connect-timeout and -max-time, however slow the server") {
    // tests/testdata/h2/slow_tls_server.py sends its handshake a byte every
    // 200 ms: no single read waits long, the whole would take minutes.
    e2e::TempDir dir;
    const std::string cert = (dir.path() / "tls.crt").string();
    const std::string key = (dir.path() / "tls.key").string();
    auto made = e2e::run({"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                          "-days", "1", "-subj", "/CN=slow", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", key,
                          "-out", cert});
    REQUIRE_MESSAGE(made.ok(), made.describe());
    e2e::Background server({"python3", (e2e::source_dir() / "tests/testdata/h2/slow_tls_server.py").string(),
                            "--tls-cert", cert, "--tls-key", key});
    const std::string address = server.wait_for_line("listening on ").substr(13);
    e2e::RunOptions options;
    options.timeout = std::chrono::seconds(20);
    for (const std::vector<std::string>& limit : {std::vector<std::string>{"-connect-timeout", "1"},
                                                  std::vector<std::string>{"-max-time", "1"}}) {
      CAPTURE(limit[0]);
      std::vector<std::string> argv{e2e::plugin_path().string(), "grpcurl", "-insecure"};
      argv.insert(argv.end(), limit.begin(), limit.end());
      argv.insert(argv.end(), {address, "list"});
      auto start = std::chrono::steady_clock::now();
      auto r = e2e::run(argv, options);
      auto took = std::chrono::steady_clock::now() - start;
      CAPTURE(r.describe());
      CHECK_FALSE(r.timed_out);
      CHECK(r.exit_code == 1);
      CHECK(r.err == "error: failed to dial target host \"" + address +
                         "\": context deadline exceeded (the TLS handshake did not finish within -connect-timeout or "
                         "-max-time)\n");
      CHECK(took < std::chrono::seconds(5));
    }
  }
}
