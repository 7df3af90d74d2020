// `kubectl grpcmesh grpcurl` next to real grpcurl on the same test server:
// the same output and exit codes for list, describe, a unary call, a server
// stream and a failing call; and reflection v1alpha fallback.
#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "harness.hpp"

namespace {

using e2e::Result;

std::vector<std::string> with(std::vector<std::string> head, const std::vector<std::string>& tail) {
  head.insert(head.end(), tail.begin(), tail.end());
  return head;
}

Result ours(const std::vector<std::string>& args, e2e::RunOptions options = {}) {
  return e2e::plugin(with({"grpcurl"}, args), std::move(options));
}

void same_as_grpcurl(const std::vector<std::string>& args, const std::string& stdin_data = "") {
  CAPTURE(args);
  e2e::RunOptions options;
  if (!stdin_data.empty()) {
    options.stdin_data = stdin_data;
  }
  Result theirs = e2e::grpcurl(args, options);
  Result mine = ours(args, options);
  CHECK_MESSAGE(mine.exit_code == theirs.exit_code, mine.describe(), "\n---\n", theirs.describe());
  CHECK(mine.out == theirs.out);
}

}  // namespace

TEST_SUITE("grpcurl") {
  TEST_CASE("list, describe, unary, server stream and a failing call match real grpcurl") {
    e2e::TestServer server;
    const std::string addr = server.address();
    same_as_grpcurl({"-plaintext", addr, "list"});
    same_as_grpcurl({"-plaintext", addr, "list", "grpcmesh.test.v1.TestService"});
    same_as_grpcurl({"-plaintext", addr, "describe"});
    same_as_grpcurl({"-plaintext", addr, "describe", "grpcmesh.test.v1.CallInfo"});
    same_as_grpcurl({"-plaintext", addr, "describe", "grpc.health.v1.HealthCheckResponse"});
    same_as_grpcurl({"-plaintext", addr, "describe", "grpcmesh.test.v1.TestService.ServerStream"});
    same_as_grpcurl({"-plaintext", "-d", R"({"name": "peer"})", addr, "helloworld.Greeter/SayHello"});
    same_as_grpcurl({"-plaintext", "-d", R"({"message": "m", "count": 3})", addr,
                     "grpcmesh.test.v1.TestService/ServerStream"});
    same_as_grpcurl({"-plaintext", "-d", "@", addr, "helloworld.Greeter/SayHello"}, R"({"name": "stdin"})");

    // A failing call: same exit code (64 + NOT_FOUND) and the same report.
    const std::vector<std::string> failing = {"-plaintext", "-d", R"({"code": 5, "message": "no such thing"})", addr,
                                              "grpcmesh.test.v1.TestService/ReturnStatus"};
    Result theirs = e2e::grpcurl(failing);
    Result mine = ours(failing);
    CHECK(theirs.exit_code == 69);
    CHECK(mine.exit_code == 69);
    CHECK(mine.out == theirs.out);
    CHECK(mine.err == theirs.err);
    CHECK(mine.err == "ERROR:\n  Code: NotFound\n  Message: no such thing\n");
  }

  TEST_CASE("-v prints metadata exactly like grpcurl") {
    e2e::TestServer server;
    const std::vector<std::string> args = {"-plaintext", "-v", "-H", "x-trace: abc", "-d",
                                           R"({"message": "m", "count": 2})", server.address(),
                                           "grpcmesh.test.v1.TestService/ServerStream"};
    Result theirs = e2e::grpcurl(args);
    Result mine = ours(args);
    REQUIRE_MESSAGE(mine.ok(), mine.describe());
    CHECK(mine.out == theirs.out);
    CHECK(mine.out.find("Response headers received:\ncontent-type: application/grpc\n") != std::string::npos);
    CHECK(mine.out.find("Request metadata to send:\nx-trace: abc\n") != std::string::npos);
    CHECK(mine.out.find("Sent 1 request and received 2 responses\n") != std::string::npos);
  }

  TEST_CASE("the same exit codes as grpcurl for an unknown method and malformed JSON") {
    e2e::TestServer server;
    for (const std::vector<std::string>& args :
         {std::vector<std::string>{"-plaintext", server.address(), "helloworld.Greeter/Nope"},
          {"-plaintext", server.address(), "nope.Service/Call"},
          {"-plaintext", "-d", R"({"name": )", server.address(), "helloworld.Greeter/SayHello"},
          {"-plaintext", "-d", R"({"nmae": "x"})", server.address(), "helloworld.Greeter/SayHello"}}) {
      CAPTURE(args);
      Result theirs = e2e::grpcurl(args);
      Result mine = ours(args);
      CHECK(theirs.exit_code == 1);
      CHECK(mine.exit_code == 1);
      CHECK(mine.out.empty());
      CHECK(std::count(mine.err.begin(), mine.err.end(), '\n') == 1);  // one line
    }
    Result method = ours({"-plaintext", server.address(), "helloworld.Greeter/Nope"});
    CHECK(method.err ==
          "error: service \"helloworld.Greeter\" does not include a method named \"Nope\" (see 'list "
          "helloworld.Greeter')\n");
  }

  TEST_CASE("reflection falls back to v1alpha: the Go server with v1alpha only, and a C++ server") {
    e2e::TestServer go_server({"--reflection", "v1alpha"});
    same_as_grpcurl({"-plaintext", go_server.address(), "list"});
    same_as_grpcurl({"-plaintext", "-d", R"({"name": "alpha"})", go_server.address(), "helloworld.Greeter/SayHello"});

    e2e::Background cpp({(e2e::plugin_path().parent_path() / "grpcmesh-cppserver").string()});
    std::string line = cpp.wait_for_line("listening on ");
    const std::string addr = line.substr(std::string("listening on ").size());
    same_as_grpcurl({"-plaintext", addr, "list"});
    Result list = ours({"-plaintext", addr, "list"});
    CHECK(list.out == "grpc.reflection.v1alpha.ServerReflection\ngrpcmesh.cppserver.v1.Echo\n");
    // The reply type imports google/protobuf/timestamp.proto: a dependency resolved over reflection.
    same_as_grpcurl({"-plaintext", addr, "describe", "grpcmesh.cppserver.v1.SayReply"});
    same_as_grpcurl({"-plaintext", "-d", R"({"text": "hi"})", addr, "grpcmesh.cppserver.v1.Echo/Say"});
  }

  TEST_CASE("without reflection: a clear error, then -proto and -protoset work") {
    e2e::TestServer server({"--reflection", "none"});
    Result none = ours({"-plaintext", server.address(), "list"});
    CHECK(none.exit_code == 1);
    CHECK(none.err ==
          "error: the server does not support the reflection API (neither grpc.reflection.v1 nor v1alpha): pass the "
          "schema with -proto FILE or -protoset FILE\n");
    const std::string protos = (e2e::source_dir() / "tests/testserver/proto").string();
    Result call = ours({"-plaintext", "-import-path", protos, "-proto", "helloworld/helloworld.proto", "-d",
                        R"({"name": "files"})", server.address(), "helloworld.Greeter/SayHello"});
    CHECK_MESSAGE(call.ok(), call.describe());
    CHECK(call.out == "{\n  \"message\": \"Hello files\"\n}\n");
    const std::string protoset = (e2e::source_dir() / "tests/testdata/grpc/shapes.protoset").string();
    Result offline = ours({"-protoset", protoset, "list"});
    CHECK(offline.out == "shapes.v1.Shapes\n");
  }
}
