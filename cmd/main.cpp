// kubectl-grpcmesh: the multi-call binary's entry point. It builds the command
// tree, parses, and runs the chosen command; the work itself lives in core/.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <iostream>
#include <string>
#include <string_view>

#include "cmd/app.hpp"
#include "cmd/help.hpp"
#include "cmd/usage.hpp"
#include "core/util/error.hpp"
#include "core/util/terminal.hpp"

namespace {

std::string one_line(std::string s) {
  for (char& c : s) {
    if (c == '\n') {
      c = ' ';
    }
  }
  return s;
}

// "error:" in red when stderr is a terminal that may be coloured.
std::ostream& error_prefix(const grpcmesh::cmd::Context& ctx) {
  return ctx.streams.err << ctx.err_painter().paint(grpcmesh::term::Style::Red, "error:") << ' ';
}

// An expected failure: its one line, and for a usage error (exit 2) kubectl's
// pointer to the help of the command given.
int report(const grpcmesh::cmd::Context& ctx, const grpcmesh::Error& e, const CLI::App& app) {
  error_prefix(ctx) << one_line(e.what()) << '\n';
  if (e.exit_code() == grpcmesh::kExitUsage) {
    ctx.streams.err << grpcmesh::cmd::see_help(grpcmesh::cmd::parsed_command(app), ctx.program) << '\n';
  }
  return e.exit_code();
}

}  // namespace

int main(int argc, char** argv) {
  using namespace grpcmesh;
  cmd::Context ctx{.streams = Streams{std::cin, std::cout, std::cerr, isatty(STDOUT_FILENO) == 1,
                                      isatty(STDERR_FILENO) == 1}};
  // "kubectl grpcmesh" when kubectl started us, else the name we were run by.
  ctx.program = term::program_name(argc > 0 ? argv[0] : "", std::getenv("KUBECTL_PATH") != nullptr);

  // `grpcurl ARGS...` goes straight to its module: its arguments follow
  // grpcurl's grammar, which the module parses, so building the command tree
  // would only cost start-up time (help still goes the long way, for its text).
  const std::string_view argv0 = argc > 0 ? argv[0] : "";
  const bool completing = argv0.substr(argv0.rfind('/') + 1).starts_with("kubectl_complete-");
  if (argc >= 2 && !completing && std::string_view(argv[1]) == "grpcurl" &&
      !cmd::asks_for_help(argc - 2, argv + 2)) {
    try {
      return cmd::run_grpcurl(ctx, {argv + 2, argv + argc});
    } catch (const Error& e) {
      error_prefix(ctx) << one_line(e.what()) << '\n';
      return e.exit_code();
    }
  }

  CLI::App app{
      "Configure and diagnose gRPC through an Istio ingress gateway\n\n"
      "Generates and applies the Gateway, VirtualService and DestinationRule a gRPC\n"
      "service needs behind an Istio ingress gateway (plaintext, TLS, long-lived\n"
      "streams, gRPC-Web), and checks live or local configuration for the mistakes\n"
      "that break gRPC there.",
      ctx.program};
  app.footer(
      "Examples:\n"
      "  # Find out what is wrong with gRPC routing in a namespace\n"
      "  kubectl grpcmesh check -n shop\n\n"
      "  # Print the version\n"
      "  kubectl grpcmesh version");
  app.require_subcommand(1);
  app.fallthrough();  // connection flags may follow the subcommand, as in kubectl
  app.set_help_all_flag("--help-all", "Print help for every command");
  cmd::bind_kube_flags(app, ctx.kube);
  cmd::bind_color_flag(app, ctx);
  cmd::register_version(app, ctx);
  cmd::register_init(app, ctx);
  cmd::register_tls(app, ctx);
  cmd::register_expose(app, ctx);
  cmd::register_stream(app, ctx);
  cmd::register_web(app, ctx);
  cmd::register_check(app, ctx);
  cmd::register_grpcurl(app, ctx);
  cmd::register_completion(app, ctx);

  cmd::install_help(app, ctx);  // after every command is registered
  cmd::last_value_wins(app);
  try {
    if (const auto rc = cmd::run_early(argc, argv, app, ctx)) {
      return *rc;
    }
  } catch (const Error& e) {
    error_prefix(ctx) << one_line(e.what()) << '\n';
    return e.exit_code();
  }

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e, ctx.streams.out, ctx.streams.err);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e, ctx.streams.out, ctx.streams.err);
  } catch (const CLI::ParseError& e) {
    // In kubectl's words, and pointing at the help of the command given.
    error_prefix(ctx) << one_line(cmd::usage_message(e, app, {argv + 1, argv + argc}, ctx.program)) << '\n'
                      << cmd::see_help(cmd::parsed_command(app), ctx.program) << '\n';
    return kExitUsage;
  } catch (const Error& e) {
    return report(ctx, e, app);
  }
  try {
    return ctx.action ? ctx.action() : kExitOk;
  } catch (const Error& e) {
    return report(ctx, e, app);
  } catch (const std::exception& e) {
    error_prefix(ctx) << "internal: " << one_line(e.what()) << '\n';
    return kExitFailure;
  }
}
