#pragma once

#include <chrono>
#include <functional>
#include <ostream>
#include <string>
#include <string_view>

namespace grpcmesh::term {

// --color: auto (the default) colours a stream only when it is a terminal and
// the environment allows it; always and never are explicit.
enum class ColorMode { Auto, Always, Never };

// Parses "auto", "always" or "never"; throws UsageError otherwise.
ColorMode parse_color_mode(std::string_view value);

// What the environment says about colour (https://no-color.org): NO_COLOR set
// to a non-empty value, or TERM=dumb, turns colour off in auto mode.
struct ColorEnv {
  bool no_color = false;
  bool dumb_terminal = false;

  // Reads NO_COLOR and TERM from the process environment.
  static ColorEnv from_process();
};

// The one decision every command uses: auto colours only a terminal, and only
// when neither NO_COLOR nor TERM=dumb is set. An explicit --color=always wins
// over the environment, as no-color.org asks of command-line flags.
bool use_color(ColorMode mode, bool is_tty, const ColorEnv& env);

enum class Style { Bold, Dim, Red, Green, Yellow, Blue, Cyan };

// Wraps text in ANSI SGR codes when enabled and returns it unchanged when not,
// so callers never test for colour themselves.
class Painter {
 public:
  explicit Painter(bool enabled) : enabled_(enabled) {}
  bool enabled() const { return enabled_; }
  std::string paint(Style style, std::string_view text) const;

 private:
  bool enabled_;
};

// A one-line progress indicator for long waits, written to stderr. It draws
// only when `enabled` (stderr is a terminal); otherwise every call is a no-op,
// so pipes and logs never see carriage returns or escape codes. Redraws are
// limited to one per `interval`; the clock is injectable for tests.
class Progress {
 public:
  using Clock = std::function<std::chrono::steady_clock::time_point()>;

  Progress(std::ostream& err, bool enabled, std::string label,
           std::chrono::milliseconds interval = std::chrono::milliseconds(100), Clock clock = {});
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  // Shows the next spinner frame with `status` (e.g. "3/7 pods ready").
  void update(std::string_view status = {});
  // Erases the line; called by the destructor if not before.
  void finish();

 private:
  std::ostream& err_;
  bool enabled_;
  std::string label_;
  std::chrono::milliseconds interval_;
  Clock clock_;
  std::chrono::steady_clock::time_point last_{};
  bool drawn_ = false;
  unsigned frame_ = 0;
};

// How usage lines name the tool. kubectl runs a plugin (checked with 1.37) with
// KUBECTL_PATH set to its own path, so with that variable the tool is
// "kubectl grpcmesh"; otherwise it is the name it was started under
// ("kubectl-grpcmesh").
std::string program_name(std::string_view argv0, bool kubectl_path_set);

}  // namespace grpcmesh::term
