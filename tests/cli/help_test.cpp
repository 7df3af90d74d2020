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
  CHECK(error.err.find("(see 'kubectl grpcmesh --help')") != std::string::npos);
}

TEST_CASE("help: an unknown command is named, with the command probably meant") {
  auto r = plugin({"vers"});
  CHECK(r.exit_code == 2);
  CHECK(r.out.empty());
  CHECK(r.err == "error: unknown command \"vers\" for \"kubectl grpcmesh\" - did you mean \"version\"? "
                 "(see 'kubectl grpcmesh --help')\n");
  auto none = plugin({"frobnicate"}, false);
  CHECK(none.err == "error: unknown command \"frobnicate\" for \"kubectl-grpcmesh\" (see 'kubectl-grpcmesh --help')\n");
}
