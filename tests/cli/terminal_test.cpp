// Terminal manners: no ANSI escape codes in any output off a terminal or
// with NO_COLOR / TERM=dumb; colour only on a terminal (or --color=always).
#include <doctest/doctest.h>

#include "cli_util.hpp"

using namespace cli_test;

namespace {

bool has_escape(const e2e::Result& r) {
  return r.out.find('\x1b') != std::string::npos || r.err.find('\x1b') != std::string::npos;
}

// Runs the plugin on a pseudo-terminal (util-linux `script`), stdout and
// stderr both on it, and returns what the terminal showed.
std::string on_tty(const std::string& args, const std::map<std::string, std::string>& env = {}) {
  e2e::RunOptions options;
  options.clear_env = true;
  options.env = {{"PATH", "/usr/bin:/bin"}, {"HOME", "/nonexistent"}, {"TERM", "xterm"}};
  for (const auto& [k, v] : env) {
    options.env[k] = v;
  }
  auto r = e2e::run({"script", "-qec", e2e::plugin_path().string() + " " + args, "/dev/null"}, options);
  return r.out;
}

}  // namespace

TEST_CASE("terminal: no escape codes in pipes, for every command and for errors") {
  std::vector<std::vector<std::string>> runs{{"version"}, {"version", "-o", "json"}, {"completion", "bash"},
                                             {"--bogus-flag"}, {"version", "--output", "toml"}, {"__complete", ""}};
  for (const auto& words : commands()) {
    auto args = words;
    args.push_back("--help");
    runs.push_back(args);
  }
  for (const auto& args : runs) {
    for (const char* no_color : {"", "1"}) {
      std::map<std::string, std::string> env;
      if (*no_color != '\0') {
        env["NO_COLOR"] = no_color;
      }
      auto r = plugin(args, true, env);
      CAPTURE(r.describe());
      CHECK_FALSE(has_escape(r));
    }
  }
}

TEST_CASE("terminal: errors are red on a terminal, plain with NO_COLOR, TERM=dumb or --color=never") {
  if (!e2e::run({"sh", "-c", "command -v script"}).ok()) {
    MESSAGE("script(1) is not installed; cannot test on a pseudo-terminal");
    return;
  }
  CHECK(on_tty("--bogus-flag").find("\x1b[31merror:\x1b[0m") != std::string::npos);
  CHECK(on_tty("--bogus-flag", {{"NO_COLOR", "1"}}).find('\x1b') == std::string::npos);
  CHECK(on_tty("--bogus-flag", {{"TERM", "dumb"}}).find('\x1b') == std::string::npos);
  CHECK(on_tty("--color=never version --output toml").find('\x1b') == std::string::npos);
  // NO_COLOR set but empty does not count (no-color.org).
  CHECK(on_tty("--bogus-flag", {{"NO_COLOR", ""}}).find("\x1b[31m") != std::string::npos);
}

TEST_CASE("terminal: --color=always colours even a pipe, --color takes only known values") {
  auto r = plugin({"--color=always", "version", "--output", "toml"});
  CHECK(r.err.find("\x1b[31merror:\x1b[0m") != std::string::npos);
  auto bad = plugin({"--color=sometimes", "version"});
  CHECK(bad.exit_code == 2);
  CHECK_FALSE(has_escape(bad));
}
