#include "core/util/terminal.hpp"

#include <doctest/doctest.h>

#include <sstream>

#include "core/util/error.hpp"

using namespace grpcmesh;
using namespace grpcmesh::term;

TEST_CASE("terminal: --color values parse and anything else is a usage error") {
  CHECK(parse_color_mode("auto") == ColorMode::Auto);
  CHECK(parse_color_mode("always") == ColorMode::Always);
  CHECK(parse_color_mode("never") == ColorMode::Never);
  CHECK_THROWS_AS(parse_color_mode("yes"), UsageError);
}

TEST_CASE("terminal: auto colours only a terminal without NO_COLOR or TERM=dumb") {
  const ColorEnv plain{};
  CHECK(use_color(ColorMode::Auto, true, plain));
  CHECK_FALSE(use_color(ColorMode::Auto, false, plain));
  CHECK_FALSE(use_color(ColorMode::Auto, true, ColorEnv{.no_color = true}));
  CHECK_FALSE(use_color(ColorMode::Auto, true, ColorEnv{.dumb_terminal = true}));
  CHECK_FALSE(use_color(ColorMode::Never, true, plain));
  // An explicit flag overrides the environment (no-color.org).
  CHECK(use_color(ColorMode::Always, false, ColorEnv{.no_color = true}));
}

TEST_CASE("terminal: a disabled painter returns the text unchanged") {
  CHECK(Painter(false).paint(Style::Red, "error") == "error");
  CHECK(Painter(true).paint(Style::Red, "error") == "\x1b[31merror\x1b[0m");
  CHECK(Painter(true).paint(Style::Bold, "x") == "\x1b[1mx\x1b[0m");
}

TEST_CASE("terminal: progress writes nothing when stderr is not a terminal") {
  std::ostringstream err;
  {
    Progress p(err, false, "waiting");
    p.update("1/3");
    p.update("2/3");
  }
  CHECK(err.str().empty());
}

TEST_CASE("terminal: progress redraws at most once per interval and erases its line") {
  std::ostringstream err;
  auto now = std::chrono::steady_clock::time_point{};
  {
    Progress p(err, true, "waiting", std::chrono::milliseconds(100), [&] { return now; });
    p.update("1/3");
    p.update("ignored");  // same instant: no redraw
    now += std::chrono::milliseconds(150);
    p.update("2/3");
  }
  CHECK(err.str() == "\r| waiting: 1/3\x1b[K\r/ waiting: 2/3\x1b[K\r\x1b[K");
}

TEST_CASE("terminal: usage lines say \"kubectl grpcmesh\" only when kubectl started the plugin") {
  CHECK(program_name("/home/u/.krew/bin/kubectl-grpcmesh", true) == "kubectl grpcmesh");
  CHECK(program_name("kubectl-grpcmesh", false) == "kubectl-grpcmesh");
  CHECK(program_name("/usr/local/bin/kubectl-grpcmesh", false) == "kubectl-grpcmesh");
  CHECK(program_name("./mytool", true) == "mytool");
}
