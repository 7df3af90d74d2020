#include "core/cli/command.hpp"

#include <doctest/doctest.h>

#include "fixture_tree.hpp"

using namespace grpcmesh::cli;

TEST_CASE("command: the first paragraph is the synopsis, the rest the description") {
  std::string synopsis;
  std::string description;
  split_description("Expose a gRPC Service\nthrough the gateway\n\nWrites a Gateway.\n\nThen a route.\n", synopsis,
                    description);
  CHECK(synopsis == "Expose a gRPC Service through the gateway");
  CHECK(description == "Writes a Gateway.\n\nThen a route.");
  split_description("Route a host's gRPC services.\n\nMore.", synopsis, description);
  CHECK(synopsis == "Route a host's gRPC services");
  split_description("One line only", synopsis, description);
  CHECK(synopsis == "One line only");
  CHECK(description.empty());
}

TEST_CASE("command: footer examples are split into comment and command lines") {
  std::vector<Example> examples;
  std::string notes;
  parse_footer(
      "Examples:\n"
      "  # Print the version information\n"
      "  kubectl grpcmesh version\n\n"
      "  # Print it as JSON\n"
      "  # for scripts\n"
      "  kubectl grpcmesh version -o json\n"
      "  kubectl grpcmesh version -o yaml\n"
      "See also the README.",
      examples, notes);
  REQUIRE(examples.size() == 2);
  CHECK(examples[0].comment == "Print the version information");
  CHECK(examples[0].lines == std::vector<std::string>{"kubectl grpcmesh version"});
  CHECK(examples[1].comment == "Print it as JSON for scripts");
  CHECK(examples[1].lines.size() == 2);
  CHECK(notes == "See also the README.");
}

TEST_CASE("command: a footer without examples is all notes") {
  std::vector<Example> examples;
  std::string notes;
  parse_footer("Exit status 3 means findings.\n", examples, notes);
  CHECK(examples.empty());
  CHECK(notes == "Exit status 3 means findings.");
}

TEST_CASE("command: continuation lines of an example keep their extra indent") {
  std::vector<Example> examples;
  std::string notes;
  parse_footer("Examples:\n  # Print without a cluster\n  kubectl grpcmesh expose greeter \\\n      --dry-run=client\n",
               examples, notes);
  REQUIRE(examples.size() == 1);
  CHECK(examples[0].lines == std::vector<std::string>{"kubectl grpcmesh expose greeter \\", "    --dry-run=client"});
}

TEST_CASE("command: a mistyped command suggests the one meant") {
  const Command root = testing::fixture_tree();
  CHECK(suggest_subcommand(root, "vers") == "version");
  CHECK(suggest_subcommand(root, "exopse") == "expose");
  CHECK(suggest_subcommand(root, "tsl") == "tls");
  CHECK(suggest_subcommand(root, "deploy") == "");
  CHECK(suggest_subcommand(root, "__comp") == "");  // hidden commands are never suggested
}
