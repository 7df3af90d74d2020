#pragma once

#include <CLI/CLI.hpp>

#include "cmd/app.hpp"

namespace grpcmesh::cmd {

// Replaces CLI11's help layout on `root` and every command below it with the
// one core/cli renders (synopsis, description, usage, examples, flags), so
// `--help` and the generated docs are the same text. Call after every command
// is registered.
void install_help(CLI::App& root, const Context& ctx);

// Writes docs/commands/*.md for every visible command into `dir`; returns the
// number of pages written. Throws Error if a page cannot be written.
int write_docs(const CLI::App& root, const std::string& dir);

}  // namespace grpcmesh::cmd
