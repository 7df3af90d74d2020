// Help is golden-tested per command, the generated docs must match what is
// committed, and every command's help has a synopsis, a description and
// examples written as "# comment" + command lines.
#include <doctest/doctest.h>

#include "cli_util.hpp"

using namespace cli_test;

TEST_CASE("help: every command's --help matches its golden file") {
  const fs::path golden_dir = source_dir() / "tests/cli/golden/help";
  std::set<std::string> expected_files;
  for (const auto& words : commands()) {
    std::vector<std::string> args = words;
    args.push_back("--help");
    auto r = plugin(args);
    CAPTURE(page_name(words));
    REQUIRE_MESSAGE(r.ok(), r.describe());
    CHECK(r.err.empty());
    const fs::path golden = golden_dir / (page_name(words) + ".txt");
    expected_files.insert(golden.filename().string());
    if (updating_goldens()) {
      spit(golden, r.out);
      continue;
    }
    REQUIRE_MESSAGE(fs::exists(golden), "no golden help for this command; run: ninja -C build docs");
    CHECK_MESSAGE(r.out == slurp(golden), "help changed; if intended, run: ninja -C build docs");
  }
  // A golden for a command that no longer exists is stale.
  for (const auto& entry : fs::directory_iterator(golden_dir)) {
    const std::string name = entry.path().filename().string();
    if (updating_goldens() && !expected_files.count(name)) {
      fs::remove(entry.path());
      continue;
    }
    CHECK_MESSAGE(expected_files.count(name) == 1, (name + " is stale; run: ninja -C build docs"));
  }
}

TEST_CASE("help: docs/commands matches the help text the binary generates") {
  e2e::TempDir dir("grpcmesh-docs");
  auto r = plugin({"__docs", dir.path().string()});
  REQUIRE_MESSAGE(r.ok(), r.describe());
  std::set<std::string> generated;
  for (const auto& entry : fs::directory_iterator(dir.path())) {
    generated.insert(entry.path().filename().string());
    const fs::path committed = source_dir() / "docs/commands" / entry.path().filename();
    CAPTURE(committed.string());
    CHECK_MESSAGE(slurp(entry.path()) == slurp(committed), "docs drifted from help; run: ninja -C build docs");
  }
  for (const auto& entry : fs::directory_iterator(source_dir() / "docs/commands")) {
    CHECK_MESSAGE(generated.count(entry.path().filename().string()) == 1,
                  (entry.path().filename().string() + " documents no command; run: ninja -C build docs"));
  }
}

TEST_CASE("help: every command has a synopsis, a description and commented examples") {
  e2e::TempDir dir("grpcmesh-docs");
  REQUIRE(plugin({"__docs", dir.path().string()}).ok());
  for (const auto& entry : fs::directory_iterator(dir.path())) {
    const std::string page = slurp(entry.path());
    CAPTURE(entry.path().filename().string());
    // "## kubectl grpcmesh x\n\n<synopsis>\n"
    const auto first = page.find("\n\n");
    const auto synopsis = page.substr(first + 2, page.find('\n', first + 2) - first - 2);
    CHECK(!synopsis.empty());
    CHECK(synopsis.find("###") == std::string::npos);
    CHECK_MESSAGE(page.find("\n### Description\n") != std::string::npos,
                  "add a description: a blank line and paragraphs after the synopsis");
    const auto ex = page.find("\n### Examples\n\n```\n");
    REQUIRE_MESSAGE(ex != std::string::npos, "add an \"Examples:\" footer");
    std::istringstream lines(page.substr(ex + 18, page.find("```", ex + 18) - ex - 18));
    std::string line;
    std::string previous;
    int examples = 0;
    while (std::getline(lines, line)) {
      if (line.starts_with("  kubectl grpcmesh ") || line.starts_with("  source <(kubectl grpcmesh ")) {
        CHECK_MESSAGE((previous.starts_with("  # ") || previous.starts_with("  kubectl grpcmesh ")),
                      ("each example starts with a # comment: " + line));
        ++examples;
      }
      previous = line;
    }
    CHECK(examples > 0);
  }
}

TEST_CASE("help: usage lines name the program the way it was started") {
  auto as_plugin = plugin({"version", "--help"}, true);
  CHECK(as_plugin.out.find("Usage:\n  kubectl grpcmesh version [flags]\n") != std::string::npos);
  auto direct = plugin({"version", "--help"}, false);
  CHECK(direct.out.find("Usage:\n  kubectl-grpcmesh version [flags]\n") != std::string::npos);
  auto error = plugin({"version", "--output", "toml"}, true);
  CHECK(error.exit_code == 2);
  CHECK(error.err.ends_with("\nSee 'kubectl grpcmesh version --help' for usage.\n"));
  auto direct_error = plugin({"version", "--output", "toml"}, false);
  CHECK(direct_error.err.ends_with("\nSee 'kubectl-grpcmesh version --help' for usage.\n"));
}

TEST_CASE("help: examples name the program the way it was started") {
  auto as_plugin = plugin({"init", "--help"}, true);
  CHECK(as_plugin.out.find("\n  kubectl grpcmesh init --host grpc.example.com\n") != std::string::npos);
  CHECK(as_plugin.out.find("\n  kubectl-grpcmesh ") == std::string::npos);
  auto direct = plugin({"init", "--help"}, false);
  CHECK(direct.out.find("\n  kubectl-grpcmesh init --host grpc.example.com\n") != std::string::npos);
  CHECK(direct.out.find("\n  kubectl grpcmesh ") == std::string::npos);
}

TEST_CASE("help: an unknown command is named, with the command probably meant") {
  auto r = plugin({"vers"});
  CHECK(r.exit_code == 2);
  CHECK(r.out.empty());
  CHECK(r.err == "error: unknown command \"vers\" for \"kubectl grpcmesh\" - did you mean \"version\"?\n"
                 "See 'kubectl grpcmesh --help' for usage.\n");
  auto none = plugin({"frobnicate"}, false);
  CHECK(none.err == "error: unknown command \"frobnicate\" for \"kubectl-grpcmesh\"\n"
                    "See 'kubectl-grpcmesh --help' for usage.\n");
}

// Each kind of mistake CLI11 catches, in the words cobra and pflag use
// (github.com/spf13/pflag errors.go, github.com/spf13/cobra args.go and
// command.go, k8s.io/kubectl pkg/cmd/create), then kubectl's pointer to the
// help of the command given (k8s.io/kubectl pkg/util/templates).
TEST_CASE("usage errors: CLI11's messages in kubectl's words, naming the command's help") {
  struct Case {
    std::vector<std::string> args;
    std::string error;
    std::string command;
  };
  const std::vector<Case> cases = {
      // unexpected arguments
      {{"init", "--host", "grpc.example.com", "--gateway-namspace", "istio-system"},
       "unknown flag: --gateway-namspace", "init"},
      {{"stream", "--host=grpc.example.com", "--bogus=1"}, "unknown flag: --bogus", "stream"},
      {{"init", "-x"}, "unknown shorthand flag: 'x' in -x", "init"},
      {{"--no-such-flag", "version"}, "unknown flag: --no-such-flag", "version"},
      {{"init", "--host", "grpc.example.com", "istio-system"},
       "unknown command \"istio-system\" for \"kubectl grpcmesh init\"", "init"},
      {{"expose", "greeter", "extra", "--host", "grpc.example.com"}, "exactly one SERVICE is required, got 2",
       "expose"},
      // missing values
      {{"init", "--host"}, "flag needs an argument: --host", "init"},
      {{"check", "-n"}, "flag needs an argument: 'n' in -n", "check"},
      // conversion and validation errors
      {{"init", "--host", "grpc.example.com", "--https-port", "https"},
       "invalid argument \"https\" for \"--https-port\" flag: must be an integer from 1 to 65535", "init"},
      {{"init", "--host", "grpc.example.com", "--plaintext=maybe"},
       "invalid argument \"maybe\" for \"--plaintext\" flag: must be true or false", "init"},
      {{"version", "-o", "toml"}, "invalid argument \"toml\" for \"-o, --output\" flag: must be one of json, yaml",
       "version"},
      {{"completion", "tcsh"}, "invalid argument \"tcsh\" for SHELL: must be one of bash, zsh, fish", "completion"},
      // required options and arguments
      {{"init"}, "required flag(s) \"host\" not set", "init"},
      {{"expose", "--host", "grpc.example.com"}, "exactly one SERVICE is required, got 0", "expose"},
      {{}, "no command given", ""},
      // our own usage errors get the same pointer
      {{"tls", "--host", "grpc.example.com"}, "pass either --cert FILE --key FILE or --self-signed", "tls"},
      {{"grpcurl", "-plaintext", "-insecure", "127.0.0.1:1", "list"},
       "the -insecure and -plaintext flags are mutually exclusive", "grpcurl"},
  };
  for (const Case& c : cases) {
    for (bool as_plugin : {true, false}) {
      const std::string program = as_plugin ? "kubectl grpcmesh" : "kubectl-grpcmesh";
      auto r = plugin(c.args, as_plugin);
      CAPTURE(r.describe());
      CHECK(r.exit_code == 2);
      CHECK(r.out.empty());
      std::string error = c.error;
      if (!as_plugin) {
        if (auto at = error.find("kubectl grpcmesh"); at != std::string::npos) {
          error.replace(at, 16, program);
        }
      }
      CHECK(r.err == "error: " + error + "\nSee '" + program + (c.command.empty() ? "" : " " + c.command) +
                         " --help' for usage.\n");
    }
  }
}

TEST_CASE("usage errors: a flag given twice keeps its last value, as in kubectl") {
  auto r = plugin({"version", "-o", "yaml", "-o", "json"});
  REQUIRE_MESSAGE(r.ok(), r.describe());
  CHECK(r.out.starts_with("{"));
}
