#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "core/cli/command.hpp"

namespace grpcmesh::cmd {

// Turns the CLI11 command tree into the parser-free description that help,
// docs and completion work from. Everything is read from the tree: synopsis
// and description from the command's description (first paragraph, then the
// rest), examples from an "Examples:" footer, choices from IsMember checks.
// Where completion values come from is decided by the flag's long name:
//   namespace, context, cluster, user       -> the cluster / kubeconfig
//   service, gateway, host (or hosts)       -> Services, Gateways, Gateway hosts
//   kubeconfig, *-file, *-cert, *-key, ...  -> file names;  *-dir -> directories
// so a new command's flags complete without registering anything.
cli::Command describe(const CLI::App& app, const std::string& program);

// The value kind a flag or argument named `name` completes with.
cli::ValueKind kind_for_name(const std::string& name);

}  // namespace grpcmesh::cmd
