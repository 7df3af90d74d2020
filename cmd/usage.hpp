#pragma once

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

namespace grpcmesh::cmd {

// The command a parse reached: the deepest subcommand given, else the root.
const CLI::App& parsed_command(const CLI::App& root);

// kubectl's pointer to a command's help, as k8s.io/kubectl's
// pkg/util/templates FlagErrorFunc words it:
// "See 'kubectl grpcmesh init --help' for usage." (`program` as run).
std::string see_help(const CLI::App& command, const std::string& program);

// A flag given twice keeps its last value, as pflag's Set does (CLI11 would
// refuse it). Call once every command is registered.
void last_value_wins(CLI::App& app);

// A CLI11 parse error in the words cobra and pflag use for the same mistake
// (unknown flag, flag needs an argument, invalid argument, required flag,
// unexpected argument). `args` is the command line after the program name.
std::string usage_message(const CLI::ParseError& error, const CLI::App& root, const std::vector<std::string>& args,
                          const std::string& program);

}  // namespace grpcmesh::cmd
