#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/kube/connection_options.hpp"
#include "core/util/streams.hpp"
#include "core/util/terminal.hpp"

namespace grpcmesh::cmd {

// What every command gets from the root: the streams, the shared kubectl
// connection flags, and the name to show in usage lines. A command's callback
// only gathers and validates its flags into options and stores the work to do
// in `action`; main runs it after parsing, so a parse error never runs anything.
struct Context {
  Streams streams;
  kube::ConnectionOptions kube{};
  std::string program = "kubectl grpcmesh";  // how usage lines name the tool
  std::function<int()> action{};
  term::ColorMode color = term::ColorMode::Auto;  // --color
  term::ColorEnv color_env{};                     // NO_COLOR, TERM

  // The one place commands ask whether to colour a stream or draw progress.
  term::Painter out_painter() const { return term::Painter(term::use_color(color, streams.out_is_tty, color_env)); }
  term::Painter err_painter() const { return term::Painter(term::use_color(color, streams.err_is_tty, color_env)); }
  bool show_progress() const { return streams.err_is_tty && !color_env.dumb_terminal; }
};

// Each command lives in its own file and registers itself here.
void register_version(CLI::App& root, Context& ctx);
void register_init(CLI::App& root, Context& ctx);
void register_tls(CLI::App& root, Context& ctx);
void register_expose(CLI::App& root, Context& ctx);
void register_stream(CLI::App& root, Context& ctx);
void register_web(CLI::App& root, Context& ctx);
void register_check(CLI::App& root, Context& ctx);
void register_grpcurl(CLI::App& root, Context& ctx);
void register_completion(CLI::App& root, Context& ctx);

// Runs `grpcurl` with its arguments (after "grpcurl") through the gRPC
// module, without the command tree; and whether they ask for help (-h,
// --help), which needs the tree for its text.
int run_grpcurl(Context& ctx, const std::vector<std::string>& args);
bool asks_for_help(int argc, char** argv);

// Completes `grpcurl` arguments (the words after "grpcurl", the last being
// the one completed) through the gRPC module; prints cobra's protocol.
int complete_grpcurl(Context& ctx, const std::vector<std::string>& words, bool descriptions);

// Binds the kubectl connection flag group (--kubeconfig, --context, -n, ...).
void bind_kube_flags(CLI::App& app, kube::ConnectionOptions& options);

// Binds --color on the root (cmd/terminal.cpp).
void bind_color_flag(CLI::App& app, Context& ctx);

// Answers what is decided before parsing (cmd/complete.cpp): shell completion
// (`__complete`, `__completeNoDesc`, or started as kubectl_complete-grpcmesh),
// `__docs DIR`, and an unknown command (with a suggestion). Returns the exit
// code, or nothing for a normal run.
std::optional<int> run_early(int argc, char** argv, CLI::App& root, Context& ctx);

}  // namespace grpcmesh::cmd
