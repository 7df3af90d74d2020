// The client core's two transports (core/kube/transport.hpp) against the fake
// API server of tests/testserver (--fake-apiserver) over TLS: the native
// HTTP/2 one, and libcurl when the server offers HTTP/1.1 only. Both must
// retry, time out, decompress and report alike; the native one must never
// load libcurl. kube_retry_test.cpp covers plain HTTP (libcurl).
#include <doctest/doctest.h>

#include <chrono>

#include "harness.hpp"

namespace {

using e2e::contains;
using e2e::count_of;

// A certificate for 127.0.0.1, its own CA.
struct ServerCertificate {
  e2e::TempDir dir;
  std::string cert = (dir.path() / "tls.crt").string();
  std::string key = (dir.path() / "tls.key").string();
  ServerCertificate() {
    auto r = e2e::run({"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                       "-days", "1", "-subj", "/CN=fake-apiserver", "-addext", "subjectAltName=IP:127.0.0.1",
                       "-keyout", key, "-out", cert});
    REQUIRE_MESSAGE(r.ok(), r.describe());
  }
};

struct FakeApiServer {
  const ServerCertificate& tls;
  e2e::Background proc;
  std::string url;
  FakeApiServer(const ServerCertificate& certificate, const std::vector<std::string>& flags = {})
      : tls(certificate), proc(argv(certificate, flags)) {
    url = "https://" + proc.wait_for_line("listening on ").substr(13);
  }
  static std::vector<std::string> argv(const ServerCertificate& c, const std::vector<std::string>& flags) {
    std::vector<std::string> out{e2e::cluster("GRPCMESH_TESTSERVER"), "--fake-apiserver", "--tls-cert", c.cert,
                                 "--tls-key", c.key};
    out.insert(out.end(), flags.begin(), flags.end());
    return out;
  }
  // The probe against this server, with -v 6 and the loader's account of
  // the libraries it opens (LD_DEBUG=files) on stderr.
  e2e::Result probe(std::vector<std::string> args) const {
    e2e::TempDir home;
    std::vector<std::string> full{(e2e::plugin_path().parent_path() / "grpcmesh-kube-probe").string()};
    full.insert(full.end(), args.begin(), args.end());
    full.insert(full.end(), {"-s", url, "--certificate-authority", tls.cert, "-v", "6"});
    e2e::RunOptions options;
    options.env = {{"HOME", home.path().string()}, {"KUBECONFIG", ""}, {"LD_DEBUG", "files"}};
    return e2e::run(full, options);
  }
};

bool loaded_libcurl(const e2e::Result& r) { return contains(r.err, "file=libcurl.so.4 "); }

}  // namespace

TEST_SUITE("kube client") {
  TEST_CASE("HTTP/2 transport: 429 honours Retry-After, 503 and stream resets are retried for reads") {
    ServerCertificate tls;
    FakeApiServer server(tls);
    auto r = server.probe({"get", "ConfigMap", "reset", "-o", "name"});
    CAPTURE(r.describe());
    CHECK(r.out == "configmap/reset\n");
    CHECK(count_of(r.err, "GET " + server.url + "/api 429 Too Many Requests") == 1);
    CHECK(count_of(r.err, "GET " + server.url + "/api 200 OK") == 1);
    CHECK(count_of(r.err, "GET " + server.url + "/apis 503 Service Unavailable") == 1);
    CHECK(count_of(r.err, "GET " + server.url + "/api/v1/namespaces/default/configmaps/reset failed") == 2);
    CHECK(count_of(r.err, "the server reset the stream (HTTP/2 error code 2)") == 2);
    CHECK(count_of(r.err, "GET " + server.url + "/api/v1/namespaces/default/configmaps/reset 200 OK") == 1);
    CHECK(count_of(server.proc.out(), " HTTP/2.0 ") == 8);
    CHECK_FALSE(loaded_libcurl(r));
  }

  TEST_CASE("HTTP/2 transport: never retries a POST, nor a 500 without Retry-After") {
    ServerCertificate tls;
    FakeApiServer server(tls);
    auto post = server.probe({"whoami"});
    CAPTURE(post.describe());
    CHECK(post.exit_code == 1);
    CHECK(count_of(post.err, "POST ") == 1);
    CHECK(count_of(post.err, "error: Error from server (ServiceUnavailable): try later\n") == 1);
    auto boom = server.probe({"get", "ConfigMap", "always-500"});
    CHECK(count_of(boom.err, "/configmaps/always-500 500 Internal Server Error") == 1);
    CHECK(count_of(boom.err, "error: Error from server (InternalError): boom\n") == 1);
  }

  TEST_CASE("HTTP/2 transport: --request-timeout ends the stream") {
    ServerCertificate tls;
    FakeApiServer server(tls);
    auto slow = server.probe({"get", "ConfigMap", "slow", "--request-timeout", "1s"});
    CAPTURE(slow.describe());
    CHECK(slow.exit_code == 1);
    CHECK(count_of(slow.err, "error: Unable to connect to the server 127.0.0.1:") == 1);
    CHECK(count_of(slow.err, ": timed out (Operation timed out after ") == 1);
    auto patient = server.probe({"get", "ConfigMap", "slow", "--request-timeout", "10s", "-o", "name"});
    CHECK(patient.out == "configmap/slow\n");
  }

  TEST_CASE("HTTP/2 transport: a gzip body inflates to what --disable-compression reads") {
    ServerCertificate tls;
    FakeApiServer server(tls);
    auto gzip = server.probe({"get", "ConfigMap", "large", "-o", "json"});
    auto plain = server.probe({"get", "ConfigMap", "large", "-o", "json", "--disable-compression"});
    CAPTURE(gzip.err.substr(0, 2000));
    REQUIRE(gzip.exit_code == 0);
    CHECK(gzip.out.size() > (1u << 20));
    CHECK(gzip.out == plain.out);
    CHECK(count_of(server.proc.out(), "GET /api/v1/namespaces/default/configmaps/large HTTP/2.0 gzip\n") == 1);
    CHECK(count_of(server.proc.out(), "GET /api/v1/namespaces/default/configmaps/large HTTP/2.0 plain\n") == 1);
  }

  TEST_CASE("HTTP/2 transport: a connection the server closed while idle is replaced before the next POST") {
    ServerCertificate tls;
    FakeApiServer server(tls, {"--post-status", "201", "--idle-timeout", "1s"});
    auto r = server.probe({"whoami", "--repeat", "2", "--sleep-ms", "1500"});
    CAPTURE(r.describe());
    CHECK(r.out == "fake-user\nfake-user\n");
    CHECK(count_of(r.err, "/selfsubjectreviews 201 Created") == 2);
    CHECK_FALSE(contains(r.err, " failed in "));
  }

  TEST_CASE("HTTP/2 transport: --request-timeout also bounds a TLS handshake the server never answers") {
    // Listens (the kernel completes TCP connections) but never says a word.
    e2e::Background silent({"python3", "-c",
                            "import socket, time\n"
                            "s = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen(8)\n"
                            "print('listening on', s.getsockname()[1], flush=True); time.sleep(60)\n"});
    std::string port = silent.wait_for_line("listening on ").substr(13);
    e2e::TempDir home;
    e2e::RunOptions options;
    options.env = {{"HOME", home.path().string()}, {"KUBECONFIG", ""}};
    auto started = std::chrono::steady_clock::now();
    auto r = e2e::run({(e2e::plugin_path().parent_path() / "grpcmesh-kube-probe").string(), "get", "ConfigMap", "x",
                       "-s", "https://127.0.0.1:" + port, "--insecure-skip-tls-verify", "--request-timeout", "1s"},
                      options);
    auto waited = std::chrono::steady_clock::now() - started;
    CAPTURE(r.describe());
    CHECK(r.exit_code == 1);
    CHECK(r.err == "error: Unable to connect to the server 127.0.0.1:" + port +
                       ": timed out (the TLS handshake did not finish in time); the server is slow or unreachable, "
                       "or raise --request-timeout\n");
    CHECK(waited < std::chrono::seconds(20));  // not the 30 s connect timeout, nor one per retry
  }

  TEST_CASE("HTTP/2 transport: the real API server is read and changed without loading libcurl") {
    e2e::TempDir dir;
    std::string ns = e2e::create_namespace("h2");
    auto file = dir.write("cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: native, namespace: " + ns +
                                         "}\ndata: {a: b}\n");
    e2e::RunOptions options;
    options.env = e2e::cluster_child_env();
    options.env["LD_DEBUG"] = "files";
    const std::string probe = (e2e::plugin_path().parent_path() / "grpcmesh-kube-probe").string();
    auto apply = e2e::run({probe, "apply", "-f", file.string()}, options);
    CAPTURE(apply.out);
    CHECK(apply.exit_code == 0);
    CHECK(contains(apply.out, "configmap/native"));
    CHECK_FALSE(loaded_libcurl(apply));
    CHECK(contains(apply.err, "file=libnghttp2.so.14 "));
    auto list = e2e::run({probe, "list", "ConfigMap", "-n", ns, "--count"}, options);
    CHECK(list.out == "1\n");
    CHECK_FALSE(loaded_libcurl(list));
  }

  TEST_CASE("a TLS server without HTTP/2 is reached through libcurl, with the same retries") {
    ServerCertificate tls;
    FakeApiServer server(tls, {"--http1-only"});
    auto r = server.probe({"get", "ConfigMap", "reset", "-o", "name"});
    CAPTURE(r.describe());
    CHECK(r.out == "configmap/reset\n");
    CHECK(count_of(r.err, "GET " + server.url + "/api 429 Too Many Requests") == 1);
    CHECK(count_of(r.err, "GET " + server.url + "/apis 503 Service Unavailable") == 1);
    CHECK(count_of(r.err, "GET " + server.url + "/api/v1/namespaces/default/configmaps/reset 200 OK") == 1);
    CHECK(count_of(server.proc.out(), " HTTP/2.0 ") == 0);
    CHECK(loaded_libcurl(r));
    auto gzip = server.probe({"get", "ConfigMap", "large", "-o", "json"});
    CHECK(gzip.out.size() > (1u << 20));
    CHECK(count_of(server.proc.out(), "GET /api/v1/namespaces/default/configmaps/large HTTP/1.1 gzip\n") == 1);
  }
}
