#include "core/cli/help.hpp"

#include <doctest/doctest.h>

#include "fixture_tree.hpp"

using namespace grpcmesh::cli;

TEST_CASE("help: a command's help has synopsis, description, usage, examples and flags") {
  const Command root = testing::fixture_tree();
  CommandPath expose{"kubectl grpcmesh", {&root, root.find_subcommand("expose")}};
  CHECK(render_help(expose) ==
        "Expose a gRPC Service through the ingress gateway\n"
        "\n"
        "Writes a Gateway and a VirtualService.\n"
        "\n"
        "Usage:\n"
        "  kubectl grpcmesh expose SERVICE [flags]\n"
        "\n"
        "Examples:\n"
        "  # Expose the greeter\n"
        "  kubectl grpcmesh expose greeter --host greeter.example.com\n"
        "\n"
        "Flags:\n"
        "      --host string                  Host name clients use\n"
        "      --gateway string               Gateway to bind\n"
        "      --dry-run none|client|server   Only print (default \"none\")\n"
        "  -o, --output json|yaml             Output format\n"
        "      --cert-dir dir                 Where certificates go\n"
        "      --wait                         Wait until ready\n"
        "\n"
        "Use \"kubectl grpcmesh --help\" for the flags every command accepts.\n");
}

TEST_CASE("help: the root lists commands and groups flags") {
  const Command root = testing::fixture_tree();
  const std::string help = render_help(CommandPath{"kubectl-grpcmesh", {&root}});
  CHECK(help.find("Usage:\n  kubectl-grpcmesh <command> [flags]\n") != std::string::npos);
  CHECK(help.find("Commands:\n  expose    Expose a gRPC Service through the ingress gateway\n"
                  "  tls       Manage gateway certificates\n  version   Print the version\n") != std::string::npos);
  CHECK(help.find("__complete") == std::string::npos);
  CHECK(help.find("\nKubernetes connection flags:\n  -n, --namespace string") != std::string::npos);
  CHECK(help.find("Use \"kubectl-grpcmesh <command> --help\"") != std::string::npos);
}

TEST_CASE("help: markdown pages reuse the help blocks and link parent and children") {
  const Command root = testing::fixture_tree();
  const Command* tls = root.find_subcommand("tls");
  CommandPath path{"kubectl grpcmesh", {&root, tls}};
  CHECK(doc_file_name(path) == "kubectl-grpcmesh_tls.md");
  const std::string md = render_markdown(path);
  CHECK(md.starts_with("## kubectl grpcmesh tls\n\nManage gateway certificates\n"));
  CHECK(md.find("```\n" + usage_block(path) + "```") != std::string::npos);
  CHECK(md.find("* [kubectl grpcmesh](kubectl-grpcmesh.md) - Configure and diagnose") != std::string::npos);
  CHECK(md.find("* [kubectl grpcmesh tls create](kubectl-grpcmesh_tls_create.md) - Create a certificate Secret") !=
        std::string::npos);
}

TEST_CASE("help: visible_commands walks the tree depth first without hidden commands") {
  const Command root = testing::fixture_tree();
  std::vector<std::string> names;
  for (const auto& c : visible_commands(root, "kubectl grpcmesh")) {
    names.push_back(c.full_name());
  }
  CHECK(names == std::vector<std::string>{"kubectl grpcmesh", "kubectl grpcmesh expose", "kubectl grpcmesh tls",
                                          "kubectl grpcmesh tls create", "kubectl grpcmesh tls rotate",
                                          "kubectl grpcmesh version"});
}
