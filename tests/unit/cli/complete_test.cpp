#include "core/cli/complete.hpp"

#include <doctest/doctest.h>

#include <algorithm>

#include "core/util/error.hpp"
#include "fixture_tree.hpp"

using namespace grpcmesh::cli;

namespace {

// Answers from fixed tables and records what it was asked.
class FakeSource : public ValueSource {
 public:
  std::vector<Candidate> values(ValueKind kind, const ParsedLine& line) override {
    asked_namespace = line.flag("namespace");
    asked_context = line.flag("context");
    switch (kind) {
      case ValueKind::Namespace:
        return {{"default", ""}, {"istio-system", ""}, {"shop", ""}};
      case ValueKind::Context:
        return {{"kind-dev", "cluster kind-dev"}, {"prod", "cluster prod"}};
      case ValueKind::Service:
        return {{"greeter", ""}, {"gateway", ""}};
      case ValueKind::Host:
        throw grpcmesh::Error("connection refused");
      default:
        return {};
    }
  }
  std::string asked_namespace;
  std::string asked_context;
};

std::vector<std::string> values_of(const Completion& c) {
  std::vector<std::string> v;
  for (const auto& cand : c.candidates) {
    v.push_back(cand.value);
  }
  return v;
}

using Words = std::vector<std::string>;

}  // namespace

TEST_CASE("complete: subcommands by prefix, hidden ones never") {
  const Command root = testing::fixture_tree();
  FakeSource src;
  auto c = complete(root, {}, "ex", src);
  CHECK(values_of(c) == Words{"expose"});
  CHECK(c.candidates[0].description == "Expose a gRPC Service through the ingress gateway");
  CHECK(c.directive == kDirectiveNoFileComp);
  CHECK(values_of(complete(root, {}, "", src)) == Words{"expose", "tls", "version"});
  CHECK(values_of(complete(root, {}, "__", src)).empty());
  CHECK(values_of(complete(root, {"tls"}, "", src)) == Words{"create", "rotate"});
}

TEST_CASE("complete: flags of the command and the root, long names only after --") {
  const Command root = testing::fixture_tree();
  FakeSource src;
  CHECK(values_of(complete(root, {"expose"}, "--d", src)) == Words{"--dry-run"});
  CHECK(values_of(complete(root, {"expose"}, "--n", src)) == Words{"--namespace"});
  const auto all = values_of(complete(root, {"expose"}, "-", src));
  CHECK(std::find(all.begin(), all.end(), "-o") != all.end());
  CHECK(std::find(all.begin(), all.end(), "-n") != all.end());
  CHECK(std::find(all.begin(), all.end(), "--wait") != all.end());
  const auto longs = values_of(complete(root, {"expose"}, "--", src));
  CHECK(std::find(longs.begin(), longs.end(), "-o") == longs.end());
}

TEST_CASE("complete: flag values from choices, in both spellings") {
  const Command root = testing::fixture_tree();
  FakeSource src;
  CHECK(values_of(complete(root, {"expose", "--dry-run"}, "", src)) == Words{"none", "client", "server"});
  CHECK(values_of(complete(root, {"expose", "-o"}, "y", src)) == Words{"yaml"});
  CHECK(values_of(complete(root, {"expose"}, "--dry-run=c", src)) == Words{"--dry-run=client"});
  CHECK(values_of(complete(root, {}, "--color=", src)) == Words{"--color=auto", "--color=always", "--color=never"});
}

TEST_CASE("complete: namespaces and contexts come from the value source") {
  const Command root = testing::fixture_tree();
  FakeSource src;
  auto c = complete(root, {"expose", "-n"}, "", src);
  CHECK(values_of(c) == Words{"default", "istio-system", "shop"});
  CHECK(c.directive == kDirectiveNoFileComp);
  CHECK(values_of(complete(root, {"expose", "--namespace"}, "is", src)) == Words{"istio-system"});
  c = complete(root, {"--context"}, "", src);
  CHECK(values_of(c) == Words{"kind-dev", "prod"});
  CHECK(c.candidates[0].description == "cluster kind-dev");
}

TEST_CASE("complete: the source sees the flags typed so far") {
  const Command root = testing::fixture_tree();
  FakeSource src;
  auto c = complete(root, {"--context", "prod", "expose", "-n", "shop", "--wait"}, "g", src);
  CHECK(values_of(c) == Words{"greeter", "gateway"});
  CHECK(src.asked_namespace == "shop");
  CHECK(src.asked_context == "prod");
  complete(root, {"-nshop", "expose"}, "", src);
  CHECK(src.asked_namespace == "shop");
  complete(root, {"--namespace=other", "expose"}, "", src);
  CHECK(src.asked_namespace == "other");
}

TEST_CASE("complete: a failing source offers nothing instead of an error") {
  const Command root = testing::fixture_tree();
  FakeSource src;
  auto c = complete(root, {"expose", "--host"}, "", src);
  CHECK(c.candidates.empty());
  CHECK(c.directive == kDirectiveNoFileComp);
}

TEST_CASE("complete: positionals after the first stop offering subcommands") {
  const Command root = testing::fixture_tree();
  FakeSource src;
  CHECK(values_of(complete(root, {"expose", "greeter"}, "", src)).empty());
  // A file argument leaves the shell to complete file names.
  auto c = complete(root, {"tls", "create"}, "", src);
  CHECK(c.candidates.empty());
  CHECK(c.directive == kDirectiveDefault);
  CHECK(complete(root, {"expose", "--cert-dir"}, "", src).directive == kDirectiveFilterDirs);
  CHECK(complete(root, {"--kubeconfig"}, "", src).directive == kDirectiveDefault);
}

TEST_CASE("complete: after -- everything is a positional") {
  const Command root = testing::fixture_tree();
  FakeSource src;
  CHECK(values_of(complete(root, {"expose", "--"}, "-", src)).empty());
}

TEST_CASE("complete: the protocol text ends with the directive line") {
  Completion c{{{"expose", "Expose a Service"}, {"exec\tx", ""}}, kDirectiveNoFileComp};
  CHECK(format_completion(c, true) == "expose\tExpose a Service\nexec\tx\n:4\n");
  CHECK(format_completion(c, false) == "expose\nexec\tx\n:4\n");
  CHECK(format_completion({}, true) == ":0\n");
}

TEST_CASE("complete: parse_line follows subcommands and collects flags") {
  const Command root = testing::fixture_tree();
  auto line = parse_line(root, {"tls", "-n", "x", "create", "a.pem", "b.pem"});
  REQUIRE(line.path.size() == 3);
  CHECK(line.path.back()->name == "create");
  CHECK(line.flag("namespace") == "x");
  CHECK(line.positionals == Words{"a.pem", "b.pem"});
}

TEST_CASE("complete: a flag both a command and the root define is offered once") {
  Command root = testing::fixture_tree();
  root.subcommands[2].flags.push_back({{"help"}, {"h"}, "", "Print this help message and exit", "", "", {}, ValueKind::None});
  FakeSource src;
  CHECK(values_of(complete(root, {"version"}, "--h", src)) == Words{"--help"});
}
