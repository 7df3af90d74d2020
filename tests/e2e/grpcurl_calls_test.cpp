// `kubectl grpcmesh grpcurl` against the test server: streaming kinds,
// metadata, deadlines, --repeat, --health, bad input and the module loader.
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "harness.hpp"

namespace {

using e2e::Result;
using nlohmann::json;

Result ours(std::vector<std::string> args, e2e::RunOptions options = {}) {
  args.insert(args.begin(), "grpcurl");
  return e2e::plugin(args, std::move(options));
}

using e2e::contains;

}  // namespace

TEST_SUITE("grpcurl") {
  TEST_CASE("client and bidirectional streams read a stream of JSON messages from stdin") {
    e2e::TestServer server;
    e2e::RunOptions input;
    input.stdin_data = R"({"message": "a"} {"message": "b"}
{"message": "c"})";
    Result client = ours({"-plaintext", "-d", "@", server.address(), "grpcmesh.test.v1.TestService/ClientStream"}, input);
    REQUIRE_MESSAGE(client.ok(), client.describe());
    CHECK(json::parse(client.out).at("messages") == json::array({"a", "b", "c"}));

    Result bidi = ours({"-plaintext", "-d", "@", server.address(), "grpcmesh.test.v1.TestService/BidiStream"}, input);
    REQUIRE_MESSAGE(bidi.ok(), bidi.describe());
    CHECK(std::count(bidi.out.begin(), bidi.out.end(), '{') == 3 * 3);  // message, call, metadata per response
    CHECK(contains(bidi.out, "\"message\": \"c\""));
  }

  TEST_CASE("a bidirectional stream prints each response while stdin is still open") {
    e2e::TestServer server;
    // One request, then stdin stays open for a minute: the response must not
    // wait for the end of the input.
    e2e::Background call({"sh", "-c",
                          "(printf '%s\\n' '{\"message\": \"first\"}'; sleep 60) | \"$0\" grpcurl -plaintext -d @ \"$1\" "
                          "grpcmesh.test.v1.TestService/BidiStream",
                          e2e::plugin_path().string(), server.address()});
    CHECK(call.wait_for_line("  \"message\": \"first\"", std::chrono::seconds(20)) == "  \"message\": \"first\",");
  }

  TEST_CASE("-keepalive-time sends TCP keepalive probes on the connection (without it, none)") {
    e2e::TestServer server;
    auto socket_timers = [&](const std::vector<std::string>& flags) {
      std::vector<std::string> argv = {e2e::plugin_path().string(), "grpcurl", "-plaintext"};
      argv.insert(argv.end(), flags.begin(), flags.end());
      argv.insert(argv.end(), {"-d", R"({"message": "k", "count": 0, "interval_ms": 100})", server.address(),
                               "grpcmesh.test.v1.TestService/ServerStream"});
      e2e::Background stream(argv);
      stream.wait_for_line("  \"message\": \"k\"");
      // Our socket is the one whose peer is the server's port. ss shows one
      // timer at a time (retransmission while a message is in flight), so
      // look several times over half a second.
      std::string seen;
      for (int i = 0; i < 10; ++i) {
        Result ss = e2e::run({"ss", "-tnoH", "state", "established", "dst", server.address()});
        REQUIRE_MESSAGE(ss.ok(), ss.describe());
        REQUIRE(!ss.out.empty());
        seen += ss.out;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
      return seen;
    };
    const std::string with = socket_timers({"-keepalive-time", "7"});
    CHECK_MESSAGE(contains(with, "timer:(keepalive,"), with);
    CHECK_FALSE(contains(socket_timers({}), "timer:(keepalive,"));
  }

  TEST_CASE("-H and -rpc-header reach the call, -reflect-header does not, -authority is :authority") {
    e2e::TestServer server;
    Result r = ours({"-plaintext", "-H", "x-both: 1", "-rpc-header", "x-call: 2", "-reflect-header", "x-refl: 3",
                     "-authority", "api.example.com", "-d", R"({"message": "m"})", server.address(),
                     "grpcmesh.test.v1.TestService/Echo"});
    REQUIRE_MESSAGE(r.ok(), r.describe());
    json call = json::parse(r.out).at("call");
    CHECK(call.at("metadata").at("x-both") == "1");
    CHECK(call.at("metadata").at("x-call") == "2");
    CHECK_FALSE(call.at("metadata").contains("x-refl"));
    CHECK(call.at("authority") == "api.example.com");
  }

  TEST_CASE("-max-time sets the deadline: the server sees it and a slow call ends DeadlineExceeded (68)") {
    e2e::TestServer server;
    Result seen = ours({"-plaintext", "-max-time", "30", "-d", R"({"code": 0})", server.address(),
                        "grpcmesh.test.v1.TestService/ReturnStatus"});
    REQUIRE_MESSAGE(seen.ok(), seen.describe());
    // deadline_ms is an int64, which proto JSON prints as a string.
    long left = std::stol(json::parse(seen.out).at("call").at("deadlineMs").get<std::string>());
    CHECK(left > 25000);
    CHECK(left <= 30000);
    Result slow = ours({"-plaintext", "-max-time", "0.3", "-d", R"({"code": 0, "delay_ms": 5000})", server.address(),
                        "grpcmesh.test.v1.TestService/ReturnStatus"});
    CHECK(slow.exit_code == 64 + 4);
    CHECK(slow.err == "ERROR:\n  Code: DeadlineExceeded\n  Message: Deadline Exceeded\n");
  }

  TEST_CASE("--repeat prints count, errors by status, percentiles and rate over one connection") {
    e2e::TestServer server;
    Result ok = ours({"-plaintext", "--repeat", "200", "--concurrency", "4", "-d", R"({"name": "r"})",
                      server.address(), "helloworld.Greeter/SayHello"});
    REQUIRE_MESSAGE(ok.ok(), ok.describe());
    CHECK(contains(ok.out, "Summary of 200 calls to helloworld.Greeter.SayHello (concurrency 4):\n"));
    CHECK(contains(ok.out, "  errors:   0\n  status:   OK 200\n"));
    CHECK(contains(ok.out, "  latency:  p50 "));
    CHECK(contains(ok.out, " calls/s ("));
    Result failing = ours({"-plaintext", "--repeat", "20", "-d", R"({"code": 14})", server.address(),
                           "grpcmesh.test.v1.TestService/ReturnStatus"});
    CHECK(failing.exit_code == 64 + 14);
    CHECK(contains(failing.out, "  errors:   20\n  status:   UNAVAILABLE 20\n"));
  }

  TEST_CASE("--health exits 0 only when SERVING") {
    e2e::TestServer serving;
    Result up = ours({"--health", "-plaintext", serving.address()});
    CHECK_MESSAGE(up.ok(), up.describe());
    CHECK(up.out == "{\n  \"status\": \"SERVING\"\n}\n");
    Result named = ours({"--health", "-plaintext", serving.address(), "helloworld.Greeter"});
    CHECK(named.ok());
    Result unknown = ours({"--health", "-plaintext", serving.address(), "no.Such"});
    CHECK(unknown.exit_code == 64 + 5);

    e2e::TestServer down({"--health", "NOT_SERVING"});
    Result r = ours({"--health", "-plaintext", down.address()});
    CHECK(r.exit_code == 1);
    CHECK(r.out == "{\n  \"status\": \"NOT_SERVING\"\n}\n");
    CHECK(r.err == "error: the server reports NOT_SERVING: it is not ready to serve\n");
  }

  // Run directly, the binary names itself kubectl-grpcmesh in hints.
  TEST_CASE("bad input: one-line errors with grpcurl's exit codes") {
    Result refused = ours({"-plaintext", "127.0.0.1:1", "list"});
    CHECK(refused.exit_code == 1);
    CHECK(refused.err ==
          "error: failed to dial target host \"127.0.0.1:1\": connection refused by 127.0.0.1:1: is the server "
          "running and listening on that port?\n");
    Result unknown_host = ours({"-plaintext", "no-such-host.invalid:443", "list"});
    CHECK(unknown_host.exit_code == 1);
    CHECK(contains(unknown_host.err, "cannot resolve host \"no-such-host.invalid\""));
    Result usage = ours({"-plaintext", "-insecure", "127.0.0.1:1", "list"});
    CHECK(usage.exit_code == 2);
    CHECK(usage.err ==
          "error: the -insecure and -plaintext flags are mutually exclusive\n"
          "See 'kubectl-grpcmesh grpcurl --help' for usage.\n");
    Result bad_flag = ours({"-plantext", "127.0.0.1:1", "list"});
    CHECK(bad_flag.exit_code == 2);
    CHECK(bad_flag.err == "error: unknown flag -plantext\nSee 'kubectl-grpcmesh grpcurl --help' for usage.\n");
  }

  TEST_CASE("the gRPC module is loaded only by grpcurl, next to the binary or from ../lib/kubectl-grpcmesh") {
    e2e::TempDir dir;
    std::filesystem::create_directories(dir.path() / "bin");
    std::filesystem::copy_file(e2e::plugin_path(), dir.path() / "bin/kubectl-grpcmesh");
    Result version = e2e::run({(dir.path() / "bin/kubectl-grpcmesh").string(), "version"});
    CHECK_MESSAGE(version.ok(), version.describe());
    Result missing = e2e::run({(dir.path() / "bin/kubectl-grpcmesh").string(), "grpcurl", "-plaintext", "127.0.0.1:1", "list"});
    CHECK(missing.exit_code == 1);
    CHECK(contains(missing.err, "error: grpcurl needs its gRPC module grpcmesh-grpc.so"));
    std::filesystem::create_directories(dir.path() / "lib/kubectl-grpcmesh");
    std::filesystem::copy_file(e2e::plugin_path().parent_path() / "grpcmesh-grpc.so",
                               dir.path() / "lib/kubectl-grpcmesh/grpcmesh-grpc.so");
    e2e::TestServer server;
    Result installed = e2e::run({(dir.path() / "bin/kubectl-grpcmesh").string(), "grpcurl", "-plaintext",
                                 server.address(), "list", "helloworld.Greeter"});
    CHECK_MESSAGE(installed.ok(), installed.describe());
    CHECK(installed.out == "helloworld.Greeter.SayHello\n");
  }

  TEST_CASE("kubectl grpcmesh grpcurl works through kubectl's plugin discovery") {
    e2e::TestServer server;
    e2e::PluginPath path;
    Result r = path.kubectl({"grpcmesh", "grpcurl", "-plaintext", "-d", R"({"name": "kubectl"})", server.address(),
                             "helloworld.Greeter/SayHello"});
    CHECK_MESSAGE(r.ok(), r.describe());
    CHECK(r.out == "{\n  \"message\": \"Hello kubectl\"\n}\n");
  }
}
