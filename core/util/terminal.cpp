#include "core/util/terminal.hpp"

#include <array>
#include <cstdlib>

#include "core/util/error.hpp"

namespace grpcmesh::term {

ColorMode parse_color_mode(std::string_view value) {
  if (value == "auto") {
    return ColorMode::Auto;
  }
  if (value == "always") {
    return ColorMode::Always;
  }
  if (value == "never") {
    return ColorMode::Never;
  }
  throw UsageError("--color must be auto, always or never, not \"" + std::string(value) + "\"");
}

ColorEnv ColorEnv::from_process() {
  ColorEnv env;
  const char* no_color = std::getenv("NO_COLOR");
  env.no_color = no_color != nullptr && *no_color != '\0';
  const char* term = std::getenv("TERM");
  env.dumb_terminal = term != nullptr && std::string_view(term) == "dumb";
  return env;
}

bool use_color(ColorMode mode, bool is_tty, const ColorEnv& env) {
  switch (mode) {
    case ColorMode::Always:
      return true;
    case ColorMode::Never:
      return false;
    case ColorMode::Auto:
      break;
  }
  return is_tty && !env.no_color && !env.dumb_terminal;
}

std::string Painter::paint(Style style, std::string_view text) const {
  if (!enabled_) {
    return std::string(text);
  }
  const char* code = "";
  switch (style) {
    case Style::Bold:
      code = "1";
      break;
    case Style::Dim:
      code = "2";
      break;
    case Style::Red:
      code = "31";
      break;
    case Style::Green:
      code = "32";
      break;
    case Style::Yellow:
      code = "33";
      break;
    case Style::Blue:
      code = "34";
      break;
    case Style::Cyan:
      code = "36";
      break;
  }
  std::string out = "\x1b[";
  out += code;
  out += 'm';
  out += text;
  out += "\x1b[0m";
  return out;
}

Progress::Progress(std::ostream& err, bool enabled, std::string label, std::chrono::milliseconds interval,
                   Clock clock)
    : err_(err), enabled_(enabled), label_(std::move(label)), interval_(interval), clock_(std::move(clock)) {
  if (!clock_) {
    clock_ = [] { return std::chrono::steady_clock::now(); };
  }
}

Progress::~Progress() { finish(); }

void Progress::update(std::string_view status) {
  if (!enabled_) {
    return;
  }
  const auto now = clock_();
  if (drawn_ && now - last_ < interval_) {
    return;
  }
  static constexpr std::array<const char*, 4> kFrames = {"|", "/", "-", "\\"};
  last_ = now;
  // \r returns to the line start, \x1b[K clears what a longer status left.
  err_ << '\r' << kFrames[frame_++ % kFrames.size()] << ' ' << label_;
  if (!status.empty()) {
    err_ << ": " << status;
  }
  err_ << "\x1b[K" << std::flush;
  drawn_ = true;
}

void Progress::finish() {
  if (enabled_ && drawn_) {
    err_ << "\r\x1b[K" << std::flush;
    drawn_ = false;
  }
}

std::string program_name(std::string_view argv0, bool kubectl_path_set) {
  std::string_view base = argv0;
  if (const auto slash = base.rfind('/'); slash != std::string_view::npos) {
    base.remove_prefix(slash + 1);
  }
  if (kubectl_path_set && base.starts_with("kubectl-")) {
    std::string name = "kubectl ";
    name += base.substr(8);
    return name;
  }
  return base.empty() ? std::string("kubectl-grpcmesh") : std::string(base);
}

}  // namespace grpcmesh::term
