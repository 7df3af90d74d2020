// `kubectl grpcmesh grpcurl` over TLS (verification, SNI and :authority set
// independently, the wrong-mode hints) and over gRPC-Web with CORS.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <string>
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

void openssl(const std::vector<std::string>& args, const e2e::TempDir& dir) {
  std::vector<std::string> argv = {"openssl"};
  argv.insert(argv.end(), args.begin(), args.end());
  e2e::RunOptions options;
  options.cwd = dir.path();
  Result r = e2e::run(argv, options);
  REQUIRE_MESSAGE(r.ok(), r.describe());
}

// A CA, a server certificate for grpc.example.com and a client certificate
// signed by it, and an unrelated CA.
struct Pki {
  e2e::TempDir dir{"grpcmesh-e2e-pki"};
  Pki() {
    openssl({"req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt", "-days", "1",
             "-subj", "/CN=grpcmesh test CA"},
            dir);
    openssl({"req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "other.key", "-out", "other.crt", "-days",
             "1", "-subj", "/CN=another CA"},
            dir);
    openssl({"req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr", "-subj",
             "/CN=grpc.example.com"},
            dir);
    dir.write("ext.cnf", "subjectAltName=DNS:grpc.example.com,IP:127.0.0.1\n");
    openssl({"x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-out",
             "server.crt", "-days", "1", "-extfile", "ext.cnf"},
            dir);
    // A client certificate for mutual TLS, signed by the same CA.
    openssl({"req", "-newkey", "rsa:2048", "-nodes", "-keyout", "client.key", "-out", "client.csr", "-subj",
             "/CN=grpcmesh test client"},
            dir);
    dir.write("client.cnf", "extendedKeyUsage=clientAuth\n");
    openssl({"x509", "-req", "-in", "client.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-out",
             "client.crt", "-days", "1", "-extfile", "client.cnf"},
            dir);
  }
  std::string path(const std::string& name) const { return (dir.path() / name).string(); }
};

}  // namespace

TEST_SUITE("grpcurl") {
  TEST_CASE("TLS is verified by default, -cacert trusts a private CA, -insecure skips verification") {
    Pki pki;
    e2e::TestServer server({"--tls-cert", pki.path("server.crt"), "--tls-key", pki.path("server.key")});
    Result untrusted = ours({server.address(), "list"});
    CHECK(untrusted.exit_code == 1);
    CHECK(untrusted.err == "error: failed to dial target host \"" + server.address() + "\": the TLS certificate of " +
                               server.address() +
                               " is not trusted (unable to get local issuer certificate): pass -cacert with the CA "
                               "that signed it, or -insecure to skip verification\n");
    Result wrong_ca = ours({"-cacert", pki.path("other.crt"), server.address(), "list"});
    CHECK(wrong_ca.exit_code == 1);
    CHECK(contains(wrong_ca.err, "is not trusted"));
    Result trusted = ours({"-cacert", pki.path("ca.crt"), server.address(), "list", "helloworld.Greeter"});
    CHECK_MESSAGE(trusted.ok(), trusted.describe());
    CHECK(trusted.out == "helloworld.Greeter.SayHello\n");
    Result insecure = ours({"-insecure", server.address(), "list", "helloworld.Greeter"});
    CHECK_MESSAGE(insecure.ok(), insecure.describe());
    Result wrong_name = ours({"-cacert", pki.path("ca.crt"), "-servername", "other.example.com", server.address(), "list"});
    CHECK(wrong_name.exit_code == 1);
    CHECK(contains(wrong_name.err, "is not valid for \"other.example.com\": set -servername"));
  }

  TEST_CASE("SNI, certificate name and :authority are independent (grpcurl cannot do this)") {
    Pki pki;
    e2e::TestServer server({"--tls-cert", pki.path("server.crt"), "--tls-key", pki.path("server.key")});
    Result r = ours({"-cacert", pki.path("ca.crt"), "-servername", "grpc.example.com", "-authority", "api.example.com",
                     "-d", R"({"message": "x"})", server.address(), "grpcmesh.test.v1.TestService/Echo"});
    REQUIRE_MESSAGE(r.ok(), r.describe());
    json call = json::parse(r.out).at("call");
    CHECK(call.at("sni") == "grpc.example.com");
    CHECK(call.at("authority") == "api.example.com");
    CHECK(call.at("alpn") == "h2");
    // grpcurl refuses the same combination.
    Result theirs = e2e::grpcurl({"-cacert", pki.path("ca.crt"), "-servername", "grpc.example.com", "-authority",
                                  "api.example.com", "-d", R"({"message": "x"})", server.address(),
                                  "grpcmesh.test.v1.TestService/Echo"});
    CHECK_FALSE(theirs.ok());
  }

  TEST_CASE("mutual TLS: -cert and -key present a client certificate the server verifies, as with grpcurl") {
    Pki pki;
    e2e::TestServer server({"--tls-cert", pki.path("server.crt"), "--tls-key", pki.path("server.key"), "--client-ca",
                            pki.path("ca.crt")});
    Result without = ours({"-cacert", pki.path("ca.crt"), server.address(), "list"});
    CHECK(without.exit_code == 1);
    CHECK(without.err == "error: failed to dial target host \"" + server.address() +
                             "\": the server requires a client certificate (mutual TLS): pass -cert FILE -key FILE\n");
    const std::vector<std::string> args = {"-cacert", pki.path("ca.crt"), "-cert", pki.path("client.crt"), "-key",
                                           pki.path("client.key"), "-servername", "grpc.example.com", "-d",
                                           R"({"name": "mutual"})", server.address(), "helloworld.Greeter/SayHello"};
    Result mine = ours(args);
    REQUIRE_MESSAGE(mine.ok(), mine.describe());
    CHECK(mine.out == "{\n  \"message\": \"Hello mutual\"\n}\n");
    Result theirs = e2e::grpcurl(args);
    CHECK_MESSAGE(theirs.ok(), theirs.describe());
    CHECK(mine.out == theirs.out);
    // The server verified the certificate and saw whose it is, on both calls.
    const std::string log = server.log();
    const std::string seen = R"("client_cn":"grpcmesh test client")";
    CHECK(log.find(seen) != std::string::npos);
    CHECK(log.find(seen, log.find(seen) + 1) != std::string::npos);
    Result missing_key = ours({"-cacert", pki.path("ca.crt"), "-cert", pki.path("client.crt"), "-key",
                               pki.path("nope.key"), server.address(), "list"});
    CHECK(missing_key.exit_code == 1);
    CHECK(missing_key.err == "error: cannot read -key " + pki.path("nope.key") + ": No such file or directory\n");
  }

  TEST_CASE("TLS to a plaintext server and plaintext to a TLS server name the flag to use") {
    Pki pki;
    e2e::TestServer tls({"--tls-cert", pki.path("server.crt"), "--tls-key", pki.path("server.key")});
    e2e::TestServer plain;
    Result to_tls = ours({"-plaintext", tls.address(), "list"});
    CHECK(to_tls.exit_code == 1);
    CHECK(to_tls.err == "error: failed to dial target host \"" + tls.address() + "\": " + tls.address() +
                            " speaks TLS, but -plaintext was given: drop -plaintext (and pass -cacert FILE if its "
                            "certificate is not publicly trusted)\n");
    Result to_plain = ours({plain.address(), "list"});
    CHECK(to_plain.exit_code == 1);
    CHECK(to_plain.err == "error: failed to dial target host \"" + plain.address() + "\": " + plain.address() +
                              " speaks plaintext HTTP/2 (h2c), not TLS: add -plaintext\n");
  }

  TEST_CASE("gRPC-Web: binary and text modes, HTTP/1.1 and h2c, server streams and error statuses") {
    e2e::TestServer server({"--grpc-web", "--cors-origin", "https://app.example.com"});
    for (const std::vector<std::string>& mode :
         {std::vector<std::string>{"--web"}, {"--web-text"}, {"--web", "--http2"}, {"--web-text", "--http2"}}) {
      CAPTURE(mode);
      std::vector<std::string> args = mode;
      args.insert(args.end(), {"-plaintext", "-d", R"({"message": "w"})", server.address(),
                               "grpcmesh.test.v1.TestService/Echo"});
      Result r = ours(args);
      REQUIRE_MESSAGE(r.ok(), r.describe());
      CHECK(json::parse(r.out).at("call").at("transport") == "grpc-web");
    }
    Result stream = ours({"--web-text", "-plaintext", "-d", R"({"message": "s", "count": 3})", server.address(),
                          "grpcmesh.test.v1.TestService/ServerStream"});
    REQUIRE_MESSAGE(stream.ok(), stream.describe());
    CHECK(stream.out == "{\n  \"message\": \"s\"\n}\n{\n  \"message\": \"s\",\n  \"index\": 1\n}\n"
                        "{\n  \"message\": \"s\",\n  \"index\": 2\n}\n");
    Result denied = ours({"--web", "-plaintext", "-d", R"({"code": 7, "message": "nope"})", server.address(),
                          "grpcmesh.test.v1.TestService/ReturnStatus"});
    CHECK(denied.exit_code == 64 + 7);
    CHECK(denied.err == "ERROR:\n  Code: PermissionDenied\n  Message: nope\n");
    Result client_stream = ours({"--web", "-plaintext", server.address(), "grpcmesh.test.v1.TestService/ClientStream"});
    CHECK(client_stream.exit_code == 2);
  }

  TEST_CASE("--origin reports what a browser would do: allowed origin passes, another is blocked precisely") {
    e2e::TestServer server({"--grpc-web", "--cors-origin", "https://app.example.com"});
    Result allowed = ours({"--web", "--origin", "https://app.example.com", "-plaintext", "-d", R"({"name": "b"})",
                           server.address(), "helloworld.Greeter/SayHello"});
    REQUIRE_MESSAGE(allowed.ok(), allowed.describe());
    CHECK(allowed.out == "{\n  \"message\": \"Hello b\"\n}\n");
    CHECK(contains(allowed.err, "  origin https://app.example.com: allowed (Access-Control-Allow-Origin: "
                                "https://app.example.com)\n"));
    CHECK(contains(allowed.err, "  header x-grpc-web: allowed\n"));
    CHECK(contains(allowed.err, "  grpc-status exposed: yes\n"));

    Result blocked = ours({"--web", "--origin", "https://evil.example.com", "-plaintext", "-d", R"({"name": "b"})",
                           server.address(), "helloworld.Greeter/SayHello"});
    CHECK(blocked.exit_code == 1);
    CHECK(blocked.out.empty());  // a browser would not send the call, and neither do we
    CHECK(contains(blocked.err, "error: a browser at https://evil.example.com would block this call: origin "
                                "https://evil.example.com is not allowed: the response has no "
                                "Access-Control-Allow-Origin header\n"));
    // Only the allowed call reached the method.
    const std::string log = server.log();
    const std::string say = "\"method\":\"/helloworld.Greeter/SayHello\"";
    CHECK(log.find(say) != std::string::npos);
    CHECK(log.find(say, log.find(say) + 1) == std::string::npos);
  }
}
