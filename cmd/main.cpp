// kubectl-grpcmesh: the multi-call binary's entry point. It builds the command
// tree, parses, and runs the chosen command; the work itself lives in core/.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <iostream>
#include <string>

#include "cmd/app.hpp"
#include "core/util/error.hpp"

namespace {

std::string one_line(std::string s) {
  for (char& c : s) {
    if (c == '\n') {
      c = ' ';
    }
  }
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace grpcmesh;
  cmd::Context ctx{Streams{std::cin, std::cout, std::cerr, isatty(STDOUT_FILENO) == 1, isatty(STDERR_FILENO) == 1}, {}, "kubectl grpcmesh", {}};

  CLI::App app{"Configure and diagnose gRPC through an Istio ingress gateway.", "kubectl grpcmesh"};
  app.require_subcommand(1);
  app.fallthrough();  // connection flags may follow the subcommand, as in kubectl
  app.set_help_all_flag("--help-all", "Print help for every command");
  app.footer("Use \"kubectl grpcmesh <command> --help\" for more information about a command.");
  cmd::bind_kube_flags(app, ctx.kube);
  cmd::register_version(app, ctx);
  cmd::register_init(app, ctx);
  cmd::register_tls(app, ctx);
  cmd::register_stream(app, ctx);
  cmd::register_web(app, ctx);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e, ctx.streams.out, ctx.streams.err);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e, ctx.streams.out, ctx.streams.err);
  } catch (const CLI::ParseError& e) {
    ctx.streams.err << "error: " << one_line(e.what()) << " (see '" << ctx.program << " --help')\n";
    return kExitUsage;
  } catch (const Error& e) {
    ctx.streams.err << "error: " << one_line(e.what()) << '\n';
    return e.exit_code();
  }
  try {
    return ctx.action ? ctx.action() : kExitOk;
  } catch (const Error& e) {
    ctx.streams.err << "error: " << one_line(e.what()) << '\n';
    return e.exit_code();
  } catch (const std::exception& e) {
    ctx.streams.err << "error: internal: " << one_line(e.what()) << '\n';
    return kExitFailure;
  }
}
