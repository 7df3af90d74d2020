// What is decided before parsing: the hidden entry points, cobra's completion
// protocol (`__complete`, `__completeNoDesc`, and the whole binary when
// started as kubectl_complete-grpcmesh, which kubectl runs for
// `kubectl grpcmesh <TAB>`) and `__docs DIR`, which writes docs/commands (none
// shows in help); and an unknown command, answered with a suggestion.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cmd/app.hpp"
#include "cmd/describe.hpp"
#include "cmd/help.hpp"
#include "cmd/usage.hpp"
#include "core/cli/complete.hpp"
#include "core/cli/kube_values.hpp"
#include "core/util/error.hpp"

namespace grpcmesh::cmd {

namespace {

int run_completion(const CLI::App& root, Context& ctx, std::vector<std::string> words, bool descriptions) {
  const cli::Command tree = describe(root, ctx.program);
  // grpcurl's arguments follow grpcurl's grammar: its module completes them.
  for (std::size_t i = 0; i + 1 < words.size(); ++i) {
    if (words[i] == "grpcurl") {
      const cli::ParsedLine line = cli::parse_line(tree, {words.begin(), words.begin() + static_cast<long>(i) + 1});
      if (line.path.back()->name == "grpcurl") {
        return complete_grpcurl(ctx, {words.begin() + static_cast<long>(i) + 1, words.end()}, descriptions);
      }
      break;
    }
  }
  // The last word is the one being completed ("" for a new word).
  std::string to_complete;
  if (!words.empty()) {
    to_complete = words.back();
    words.pop_back();
  }
  cli::KubeValueSource source(kube::Environment::from_process());
  ctx.streams.out << cli::format_completion(cli::complete(tree, words, to_complete, source), descriptions);
  return kExitOk;
}

}  // namespace

std::optional<int> run_early(int argc, char** argv, CLI::App& root, Context& ctx) {
  const std::string_view argv0 = argc > 0 ? argv[0] : "";
  const std::string_view base = argv0.substr(argv0.rfind('/') == std::string_view::npos ? 0 : argv0.rfind('/') + 1);
  if (base.starts_with("kubectl_complete-")) {
    return run_completion(root, ctx, {argv + 1, argv + argc}, true);
  }
  if (argc < 2) {
    return std::nullopt;
  }
  const std::string_view entry = argv[1];
  if (entry == "__complete" || entry == "__completeNoDesc") {
    return run_completion(root, ctx, {argv + 2, argv + argc}, entry == "__complete");
  }
  if (entry == "__docs") {
    if (argc != 3) {
      ctx.streams.err << "error: usage: " << base << " __docs DIR\n";
      return kExitUsage;
    }
    const int pages = write_docs(root, argv[2]);
    ctx.streams.err << "wrote " << pages << " pages to " << argv[2] << '\n';
    return kExitOk;
  }
  const cli::Command tree = describe(root, ctx.program);
  if (!entry.starts_with("-") && tree.find_subcommand(std::string(entry)) == nullptr) {
    // CLI11 would only say a subcommand is required; say what is wrong instead.
    const std::string meant = cli::suggest_subcommand(tree, std::string(entry));
    ctx.streams.err << ctx.err_painter().paint(term::Style::Red, "error:") << " unknown command \"" << entry
                    << "\" for \"" << ctx.program << "\""
                    << (meant.empty() ? std::string() : " - did you mean \"" + meant + "\"?") << '\n'
                    << see_help(root, ctx.program) << '\n';
    return kExitUsage;
  }
  return std::nullopt;
}

}  // namespace grpcmesh::cmd
