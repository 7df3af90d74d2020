#include <memory>
#include <ostream>

#include "cmd/app.hpp"
#include "core/cli/shell_scripts.hpp"
#include "core/util/error.hpp"

namespace grpcmesh::cmd {

void register_completion(CLI::App& root, Context& ctx) {
  auto* sub = root.add_subcommand("completion",
                                  "Print a shell completion script for kubectl-grpcmesh\n\n"
                                  "Prints a bash, zsh or fish script that completes commands, flags and\n"
                                  "flag values, including namespaces, contexts, Services, Gateways and\n"
                                  "Gateway hosts read from the cluster. Load it in your shell profile.\n\n"
                                  "\"kubectl grpcmesh <TAB>\" does not need it: kubectl 1.26 and newer run\n"
                                  "kubectl_complete-grpcmesh, shipped next to the binary, for that.");
  sub->footer(
      "Examples:\n"
      "  # Enable completion in the current bash session\n"
      "  source <(kubectl grpcmesh completion bash)\n\n"
      "  # Install it for every zsh session\n"
      "  kubectl grpcmesh completion zsh > \"${fpath[1]}/_kubectl-grpcmesh\"\n\n"
      "  # Enable it in fish\n"
      "  kubectl grpcmesh completion fish | source");
  auto shell = std::make_shared<std::string>();
  sub->add_option("shell", *shell, "The shell to print the script for")
      ->required()
      ->check(CLI::IsMember(cli::completion_shells()));
  sub->callback([&ctx, shell] {
    ctx.action = [&ctx, shell] {
      ctx.streams.out << cli::completion_script(*shell, "kubectl-grpcmesh");
      return kExitOk;
    };
  });
}

}  // namespace grpcmesh::cmd
