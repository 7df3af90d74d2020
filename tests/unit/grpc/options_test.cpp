#include "core/grpc/options.hpp"

#include <doctest/doctest.h>

#include "core/util/error.hpp"

namespace grpcmesh::grpc {
namespace {

Options parse(const std::vector<std::string>& args) {
  kube::ConnectionOptions kube;
  return parse_args(args, kube);
}

int usage_exit(const std::vector<std::string>& args) {
  try {
    parse(args);
  } catch (const Error& e) {
    return e.exit_code();
  }
  return 0;
}

}  // namespace

TEST_CASE("grpcurl flags take one or two dashes and -flag=value") {
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"-plaintext", "-d", "{}", "-H", "a: b", "localhost:50051", "pkg.S/M"},
        {"--plaintext", "--d={}", "--H=a: b", "localhost:50051", "pkg.S/M"},
        {"localhost:50051", "-plaintext=true", "pkg.S/M", "-d={}", "-H", "a: b"}}) {
    Options o = parse(args);
    CHECK(o.plaintext);
    CHECK(o.data == "{}");
    CHECK(o.headers == std::vector<std::string>{"a: b"});
    CHECK(o.address == "localhost:50051");
    CHECK(o.verb == Verb::kInvoke);
    CHECK(o.symbol == "pkg.S/M");
  }
}

TEST_CASE("grpcurl positional grammar: ADDRESS [list|describe] [SYMBOL]") {
  Options list = parse({"-plaintext", "h:1", "list"});
  CHECK(list.verb == Verb::kList);
  CHECK(list.symbol.empty());
  Options list_svc = parse({"-plaintext", "h:1", "list", "pkg.Svc"});
  CHECK(list_svc.verb == Verb::kList);
  CHECK(list_svc.symbol == "pkg.Svc");
  Options describe = parse({"h:1", "describe", ".pkg.Msg"});
  CHECK(describe.verb == Verb::kDescribe);
  CHECK(describe.symbol == ".pkg.Msg");
  // A schema from files needs no address for list/describe.
  Options files = parse({"-proto", "a.proto", "list"});
  CHECK(files.address.empty());
  CHECK(files.verb == Verb::kList);
}

TEST_CASE("grpcurl value flags: timeouts, sizes, verbosity, repeated lists") {
  Options o = parse({"-max-time", "2.5", "-connect-timeout=0.5", "-keepalive-time", "10", "-max-msg-sz", "1024", "-vv",
                     "-proto", "a.proto", "-proto", "b.proto", "-import-path", "dir", "-use-reflection=false",
                     "-format", "text", "-emit-defaults", "-allow-unknown-fields", "-format-error", "h:1", "p.S/M"});
  CHECK(o.max_time == doctest::Approx(2.5));
  CHECK(o.connect_timeout == doctest::Approx(0.5));
  CHECK(o.keepalive_time == doctest::Approx(10));
  CHECK(o.max_msg_sz == 1024);
  CHECK(o.verbosity == 2);
  CHECK(o.protos == std::vector<std::string>{"a.proto", "b.proto"});
  CHECK(o.import_paths == std::vector<std::string>{"dir"});
  CHECK_FALSE(o.reflection_enabled());
  CHECK(o.format == "text");
  CHECK(o.emit_defaults);
  CHECK(o.allow_unknown_fields);
  CHECK(o.format_error);
}

TEST_CASE("reflection is on unless a file schema is given, and -use-reflection wins") {
  CHECK(parse({"h:1", "list"}).reflection_enabled());
  CHECK_FALSE(parse({"-protoset", "x.pb", "h:1", "list"}).reflection_enabled());
  CHECK(parse({"-protoset", "x.pb", "-use-reflection", "h:1", "list"}).reflection_enabled());
}

TEST_CASE("additions: --repeat, --concurrency, --health SERVICE, --web, --origin") {
  Options r = parse({"--repeat", "100", "--concurrency", "4", "-plaintext", "h:1", "p.S/M"});
  CHECK(r.repeat == 100);
  CHECK(r.concurrency == 4);
  Options h = parse({"--health", "-plaintext", "h:1", "helloworld.Greeter"});
  CHECK(h.health);
  CHECK(h.health_service == "helloworld.Greeter");
  CHECK(h.symbol.empty());
  Options w = parse({"--web-text", "--origin", "https://app.example", "-plaintext", "h:1", "p.S/M"});
  CHECK(w.web == WebMode::kText);
  CHECK(w.origin == "https://app.example");
}

TEST_CASE("kubectl connection flags may follow the subcommand") {
  kube::ConnectionOptions kube;
  parse_args({"--context", "prod", "-n", "apps", "--kubeconfig=/tmp/k", "-plaintext", "h:1", "list"}, kube);
  CHECK(kube.context == "prod");
  CHECK(kube.namespace_name == "apps");
  CHECK(kube.kubeconfig == "/tmp/k");
}

TEST_CASE("bad command lines are usage errors (exit 2) with grpcurl's rules") {
  CHECK(usage_exit({"-bogus", "h:1", "list"}) == 2);
  CHECK(usage_exit({"-plaintext"}) == 2);                          // no address
  CHECK(usage_exit({"-plaintext", "h:1"}) == 2);                   // no method
  CHECK(usage_exit({"-plaintext", "h:1", "p.S/M", "extra"}) == 2);  // too many
  CHECK(usage_exit({"-plaintext", "-insecure", "h:1", "list"}) == 2);
  CHECK(usage_exit({"-plaintext", "-cacert", "ca.crt", "h:1", "list"}) == 2);
  CHECK(usage_exit({"-cert", "c.crt", "h:1", "list"}) == 2);  // -cert without -key
  CHECK(usage_exit({"-proto", "a.proto", "-protoset", "b.pb", "h:1", "list"}) == 2);
  CHECK(usage_exit({"-format", "yaml", "h:1", "list"}) == 2);
  CHECK(usage_exit({"-max-time", "soon", "h:1", "list"}) == 2);
  CHECK(usage_exit({"-H", "no-colon", "h:1", "list"}) == 2);
  CHECK(usage_exit({"-d"}) == 2);  // flag needs an argument
  CHECK(usage_exit({"--concurrency", "2", "h:1", "p.S/M"}) == 2);
  CHECK(usage_exit({"--repeat", "0", "h:1", "p.S/M"}) == 2);
  CHECK(usage_exit({"--origin", "https://a", "h:1", "p.S/M"}) == 2);  // needs --web
  CHECK(usage_exit({"--web", "h:1", "list"}) == 2);
}

TEST_CASE("-H headers: lower-cased name, value without leading spaces") {
  CHECK(parse_header("X-Api-Key:  secret") == std::pair<std::string, std::string>{"x-api-key", "secret"});
  CHECK(parse_header("a:b:c") == std::pair<std::string, std::string>{"a", "b:c"});
  CHECK_THROWS_AS(parse_header(":x"), UsageError);
}

}  // namespace grpcmesh::grpc
