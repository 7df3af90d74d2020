#pragma once

#include <string>
#include <vector>

#include "core/cli/command.hpp"

namespace grpcmesh::cli {

// A command together with where it sits: `path` holds the commands from the
// root (the program itself) down to it, so path.back() is the command.
struct CommandPath {
  std::string program;                  // "kubectl grpcmesh" or "kubectl-grpcmesh"
  std::vector<const Command*> path;

  const Command& command() const { return *path.back(); }
  bool is_root() const { return path.size() == 1; }
  // "kubectl grpcmesh tls create"
  std::string full_name() const;
};

// The blocks help and the generated docs share, so the two never drift.
std::string usage_block(const CommandPath& cmd);     // "  kubectl grpcmesh expose [flags]\n"
std::string examples_block(const Command& cmd);      // "  # comment\n  command\n..."
std::string flags_block(const std::vector<Flag>& flags);
std::string commands_block(const Command& cmd);      // visible subcommands with synopses

// The text `--help` prints.
std::string render_help(const CommandPath& cmd);

// The Markdown page docs/commands/<doc_file_name>.md holds for the command.
std::string render_markdown(const CommandPath& cmd);
// "kubectl-grpcmesh_tls_create.md"
std::string doc_file_name(const CommandPath& cmd);

// Every visible command of the tree rooted at `root`, depth first.
std::vector<CommandPath> visible_commands(const Command& root, const std::string& program);

}  // namespace grpcmesh::cli
