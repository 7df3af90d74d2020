// `--dry-run=client -o yaml` of init, tls, expose, stream and web, run through
// the built binary with every cluster fact given as a flag (no kubeconfig,
// no cluster), compared with the files in tests/testdata/dry-run/. The e2e
// test dry_run_goldens_test.cpp feeds the same files to istioctl validate and
// to a server-side dry-run apply, so they are known to be valid.
//
// Rewrite them with
//   GRPCMESH_UPDATE_GOLDEN=1 build/tests/cli/grpcmesh_cli_tests -tc='dry-run*'
// and review the diff.
#include <doctest/doctest.h>

#include "cli_util.hpp"

using namespace cli_test;

namespace {

const fs::path kGoldenDir = source_dir() / "tests/testdata/dry-run";

std::string tls_file(const std::string& name) { return (source_dir() / "tests/testdata/tls" / name).string(); }

// Each golden file and the arguments that print it.
const std::vector<std::pair<std::string, std::vector<std::string>>>& cases() {
  static const std::vector<std::pair<std::string, std::vector<std::string>>> all = {
      {"init-https.yaml", {"init", "--host", "grpc.example.com", "--gateway-namespace", "istio-system"}},
      {"init-h2c.yaml", {"init", "--host", "grpc.example.com", "--gateway-namespace", "istio-system", "--plaintext"}},
      {"init-https-h2c.yaml",
       {"init", "--host", "grpc.example.com", "--gateway-namespace", "istio-system", "--https", "--plaintext"}},
      {"init-mutual.yaml",
       {"init", "--host", "grpc.example.com", "--gateway-namespace", "istio-system", "--client-ca",
        tls_file("other.crt")}},
      {"tls-cert-key.yaml",
       {"tls", "--host", "grpc.example.com", "--gateway-namespace", "istio-system", "--cert",
        tls_file("grpc.example.com.crt"), "--key", tls_file("grpc.example.com.key")}},
      {"expose-appprotocol.yaml",
       {"expose", "greeter", "-n", "apps", "--host", "grpc.example.com", "--port", "50051", "--grpc-service",
        "helloworld.Greeter", "--gateway-namespace", "istio-system"}},
      {"expose-port-naming-name.yaml",
       {"expose", "greeter", "-n", "apps", "--host", "grpc.example.com", "--port", "50051", "--port-naming", "name",
        "--gateway-namespace", "istio-system"}},
      {"expose-retries.yaml",
       {"expose", "greeter", "-n", "apps", "--host", "grpc.example.com", "--port", "50051", "--grpc-service",
        "helloworld.Greeter", "--gateway-namespace", "istio-system", "--retries", "3", "--retry-on",
        "UNAVAILABLE,resource-exhausted", "--per-try-timeout", "2s"}},
      {"expose-retries-off.yaml",
       {"expose", "greeter", "-n", "apps", "--host", "grpc.example.com", "--port", "50051", "--grpc-service",
        "helloworld.Greeter", "--gateway-namespace", "istio-system", "--retries", "0"}},
      {"expose-retry-on-codes.yaml",
       {"expose", "greeter", "-n", "apps", "--host", "grpc.example.com", "--port", "50051", "--grpc-service",
        "helloworld.Greeter", "--gateway-namespace", "istio-system", "--retry-on", "unavailable,cancelled,503"}},
      {"stream.yaml", {"stream", "--host", "grpc.example.com", "--backend", "apps/greeter"}},
      {"stream-tuned.yaml",
       {"stream", "--host", "grpc.example.com", "--backend", "apps/greeter", "--idle-timeout", "1h",
        "--keepalive-time", "2m", "--keepalive-interval", "20s", "--keepalive-probes", "5",
        "--max-connection-duration", "4h"}},
      {"web.yaml",
       {"web", "--host", "grpc.example.com", "--allow-origin", "https://app.example.com", "--gateway-namespace",
        "istio-system"}},
  };
  return all;
}

e2e::Result dry_run(std::vector<std::string> args, const std::string& output = "yaml") {
  args.insert(args.end(), {"--dry-run=client", "-o", output});
  return plugin(args);
}

}  // namespace

TEST_CASE("dry-run: init, tls, expose, stream and web print their golden objects without a cluster") {
  std::set<std::string> expected;
  for (const auto& file_and_args : cases()) {
    const std::string& file = file_and_args.first;  // not a structured binding: CAPTURE's lambda takes it (clang 14)
    const std::vector<std::string>& args = file_and_args.second;
    CAPTURE(file);
    expected.insert(file);
    auto r = dry_run(args);
    REQUIRE_MESSAGE(r.ok(), r.describe());
    CHECK_MESSAGE(r.err.find("error") == std::string::npos, r.describe());
    if (updating_goldens()) {
      spit(kGoldenDir / file, r.out);
      continue;
    }
    REQUIRE_MESSAGE(fs::exists(kGoldenDir / file), "no golden file; run with GRPCMESH_UPDATE_GOLDEN=1");
    CHECK_MESSAGE(r.out == slurp(kGoldenDir / file),
                  "output changed; if intended, rerun with GRPCMESH_UPDATE_GOLDEN=1 and review the diff");
  }
  for (const auto& entry : fs::directory_iterator(kGoldenDir)) {
    CHECK_MESSAGE(expected.count(entry.path().filename().string()) == 1,
                  (entry.path().filename().string() + " belongs to no case"));
  }
}

TEST_CASE("dry-run: the goldens hold what each variant is about") {
  // Guards against regenerating a golden that lost its point.
  const auto has = [](const std::string& file, const std::string& text) {
    return slurp(kGoldenDir / file).find(text) != std::string::npos;
  };
  CHECK(has("init-https.yaml", "mode: SIMPLE"));
  CHECK_FALSE(has("init-https.yaml", "protocol: HTTP2"));
  CHECK(has("init-h2c.yaml", "protocol: HTTP2"));
  CHECK_FALSE(has("init-h2c.yaml", "tls:"));
  CHECK(has("init-https-h2c.yaml", "protocol: HTTP2"));
  CHECK(has("init-https-h2c.yaml", "protocol: HTTPS"));
  CHECK(has("init-mutual.yaml", "mode: MUTUAL"));
  CHECK(has("init-mutual.yaml", "name: grpc-example-com-tls-cacert"));
  CHECK(has("tls-cert-key.yaml", "type: kubernetes.io/tls"));
  CHECK(has("expose-appprotocol.yaml", "appProtocol: grpc"));
  CHECK(has("expose-appprotocol.yaml", "prefix: /helloworld.Greeter/"));
  CHECK(has("expose-port-naming-name.yaml", "name: grpc"));
  CHECK_FALSE(has("expose-port-naming-name.yaml", "appProtocol"));
  CHECK_FALSE(has("expose-appprotocol.yaml", "retries"));  // Istio's default retries
  CHECK(has("expose-retries.yaml", "attempts: 3"));
  CHECK(has("expose-retries.yaml", "retryOn: unavailable,resource-exhausted"));
  CHECK(has("expose-retries.yaml", "perTryTimeout: 2s"));
  CHECK(has("expose-retries-off.yaml", "attempts: 0"));
  CHECK_FALSE(has("expose-retries-off.yaml", "retryOn"));
  CHECK(has("expose-retry-on-codes.yaml", "attempts: 2"));
  CHECK(has("expose-retry-on-codes.yaml", "retryOn: unavailable,cancelled,503"));
  CHECK(has("stream.yaml", "idleTimeout: 24h"));
  CHECK(has("stream-tuned.yaml", "maxConnectionDuration: 4h"));
  CHECK(has("web.yaml", "envoy.filters.http.grpc_web"));
}

TEST_CASE("dry-run: expose says which retry policy applies and refuses retry flags Istio rejects") {
  const std::vector<std::string> base = {"expose", "greeter", "-n", "apps", "--host", "grpc.example.com", "--port",
                                         "50051", "--gateway-namespace", "istio-system"};
  auto plain = dry_run(base);
  REQUIRE_MESSAGE(plain.ok(), plain.describe());
  CHECK_MESSAGE(plain.err.find("Retries for the routes to Service apps/greeter: 2 retries on "
                               "connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes "
                               "(Istio's default") != std::string::npos,
                plain.describe());

  auto five = dry_run([&] {
    auto a = base;
    a.insert(a.end(), {"--retry-on", "5xx"});
    return a;
  }());
  REQUIRE_MESSAGE(five.ok(), five.describe());
  CHECK_MESSAGE(five.err.find("Warning: the retry policy for Service apps/greeter names no gRPC status") !=
                    std::string::npos,
                five.describe());

  const std::vector<std::pair<std::vector<std::string>, std::string>> refused = {
      {{"--retry-on", "unavailable,aborted"},
       "error: --retry-on aborted: Envoy retries gRPC calls only on the statuses cancelled, deadline-exceeded, "
       "internal, resource-exhausted and unavailable\n"},
      {{"--retry-on", "retry-grpc"}, "error: --retry-on retry-grpc: unknown retry condition; use gRPC statuses"},
      {{"--retries", "0", "--retry-on", "unavailable"},
       "error: --retries 0 turns retries off, and Istio rejects a retry policy with attempts 0; drop --retry-on and "
       "--per-try-timeout, or pass --retries 1 or more\n"},
      {{"--per-try-timeout", "soon"}, "error: "},
      {{"--retries", "2", "--remove"}, "error: --retries, --retry-on and --per-try-timeout set the routes' retry "
                                       "policy; --remove takes the routes away with theirs, so drop those flags\n"},
  };
  // a protoset showing that a routed method streams its responses: exit 1 until confirmed
  const std::string protoset = (source_dir() / "tests/testdata/grpc/shapes.protoset").string();
  auto streams = dry_run([&] {
    auto a = base;
    a.insert(a.end(), {"--grpc-service", "shapes.v1.Shapes", "--per-try-timeout", "5s", "--protoset", protoset});
    return a;
  }());
  CHECK_MESSAGE(streams.exit_code == 1, streams.describe());
  CHECK(streams.out.empty());
  CHECK(streams.err == "error: --per-try-timeout 5s cuts every call of the server-streaming methods "
                       "shapes.v1.Shapes/Watch, shapes.v1.Shapes/Chat (--protoset " + protoset +
                       ") that lasts longer (a try's clock starts when the request is complete); pass "
                       "--allow-stream-cut to set it anyway\n");
  auto confirmed = dry_run([&] {
    auto a = base;
    a.insert(a.end(), {"--grpc-service", "shapes.v1.Shapes", "--per-try-timeout", "5s", "--protoset", protoset,
                       "--allow-stream-cut"});
    return a;
  }());
  REQUIRE_MESSAGE(confirmed.ok(), confirmed.describe());
  CHECK(confirmed.out.find("perTryTimeout: 5s") != std::string::npos);

  for (const auto& [flags, message] : refused) {
    auto args = base;
    args.insert(args.end(), flags.begin(), flags.end());
    auto r = dry_run(args);
    CAPTURE(r.describe());
    CHECK(r.exit_code == 2);
    CHECK(r.out.empty());
    CHECK(r.err.rfind(message, 0) == 0);
    // one line saying what is wrong; kubectl's "See '... --help' for usage." may follow a usage error
    const size_t first = r.err.find('\n');
    REQUIRE(first != std::string::npos);
    const std::string rest = r.err.substr(first + 1);
    CHECK_MESSAGE((rest.empty() || (rest.rfind("See '", 0) == 0 && std::count(rest.begin(), rest.end(), '\n') == 1)),
                  r.err);
  }
}

TEST_CASE("dry-run: tls never prints the private key unless --show-secret-data is given") {
  const std::vector<std::string> args = {"tls",    "--host", "grpc.example.com", "--gateway-namespace", "istio-system",
                                         "--cert", tls_file("grpc.example.com.crt"), "--key",
                                         tls_file("grpc.example.com.key")};
  const std::string key = slurp(tls_file("grpc.example.com.key"));
  REQUIRE(key.find("PRIVATE KEY") != std::string::npos);
  auto base64 = e2e::run({"base64", "-w0", tls_file("grpc.example.com.key")});
  REQUIRE_MESSAGE(base64.ok(), base64.describe());
  const std::string key_b64 = base64.out;
  // Any 40 characters of the key's base64 (in the Secret) or of its PEM body.
  const std::string key_b64_part = key_b64.substr(key_b64.size() / 2, 40);
  const std::string key_pem_part = key.substr(key.find('\n') + 1, 40);

  for (const std::string output : {"yaml", "json", "name"}) {
    CAPTURE(output);
    auto r = dry_run(args, output);
    REQUIRE_MESSAGE(r.ok(), r.describe());
    for (const auto* stream : {&r.out, &r.err}) {
      CHECK(stream->find(key_b64_part) == std::string::npos);
      CHECK(stream->find(key_pem_part) == std::string::npos);
      CHECK(stream->find("PRIVATE KEY") == std::string::npos);
    }
    if (output != "name") {
      CHECK(r.out.find("REDACTED") != std::string::npos);
    }
  }

  auto shown = plugin([&] {
    auto a = args;
    a.insert(a.end(), {"--dry-run=client", "-o", "yaml", "--show-secret-data"});
    return a;
  }());
  REQUIRE_MESSAGE(shown.ok(), shown.describe());
  CHECK(shown.out.find("tls.key: " + key_b64) != std::string::npos);
  CHECK(shown.out.find("REDACTED") == std::string::npos);
  CHECK(shown.err.find(key_pem_part) == std::string::npos);
}
