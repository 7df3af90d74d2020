#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace grpcmesh::cli {

// The shells `completion` writes scripts for.
std::vector<std::string> completion_shells();

// A completion script for `binary` (e.g. "kubectl-grpcmesh") in `shell`
// ("bash", "zsh" or "fish"). The scripts hold no command knowledge: on every
// <TAB> they ask `binary __complete <words...> <current>` and turn the
// candidates and directive into the shell's own completion calls. Throws
// UsageError for an unknown shell.
std::string completion_script(std::string_view shell, std::string_view binary);

}  // namespace grpcmesh::cli
