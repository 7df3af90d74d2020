#include "core/stream/duration.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>

#include "core/util/error.hpp"

namespace grpcmesh::stream {

std::optional<Duration> try_parse_duration(std::string_view text) {
  if (text == "0") {
    return Duration{0};
  }
  if (text.empty()) {
    return std::nullopt;
  }
  double total_ms = 0;
  size_t i = 0;
  while (i < text.size()) {
    const size_t start = i;
    while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) != 0 || text[i] == '.')) {
      ++i;
    }
    if (i == start) {
      return std::nullopt;
    }
    const std::string number(text.substr(start, i - start));
    if (number.find('.') != number.rfind('.') || number == ".") {
      return std::nullopt;
    }
    const size_t unit_start = i;
    while (i < text.size() && std::isalpha(static_cast<unsigned char>(text[i])) != 0) {
      ++i;
    }
    const std::string_view unit = text.substr(unit_start, i - unit_start);
    double scale = 0;
    if (unit == "h") {
      scale = 3600000;
    } else if (unit == "m") {
      scale = 60000;
    } else if (unit == "s") {
      scale = 1000;
    } else if (unit == "ms") {
      scale = 1;
    } else if (unit == "us" || unit == "µs") {
      scale = 0.001;
    } else if (unit == "ns") {
      scale = 0.000001;
    } else {
      return std::nullopt;
    }
    // strtod, not stod: 400 digits are out of range, not an exception.
    total_ms += std::strtod(number.c_str(), nullptr) * scale;
  }
  // Go's time.Duration ends at 2^63-1 ns (about 2562047h); beyond it Go's
  // ParseDuration fails, and so does this (llround would overflow). Go's
  // largest rounds down to whole milliseconds, so that it prints as a
  // duration that reads back the same.
  constexpr Duration::rep kMaxMs = 9223372036854;  // 2^63-1 ns
  if (!std::isfinite(total_ms) || total_ms > 9223372036854.775807) {
    return std::nullopt;
  }
  return Duration{std::min<Duration::rep>(std::llround(total_ms), kMaxMs)};
}

Duration parse_duration_flag(std::string_view text, std::string_view flag) {
  auto d = try_parse_duration(text);
  if (!d) {
    throw UsageError(fmt::format("invalid {} \"{}\": not a duration; use a number with a unit, e.g. 30s, 5m or 24h",
                                 flag, text));
  }
  return *d;
}

std::string format_duration(Duration d) {
  long long ms = d.count();
  if (ms == 0) {
    return "0s";
  }
  if (ms % 1000 != 0) {
    return fmt::format("{}ms", ms);
  }
  long long s = ms / 1000;
  std::string out;
  if (s >= 3600) {
    out += fmt::format("{}h", s / 3600);
    s %= 3600;
  }
  if (s >= 60) {
    out += fmt::format("{}m", s / 60);
    s %= 60;
  }
  if (s > 0) {
    out += fmt::format("{}s", s);
  }
  return out;
}

}  // namespace grpcmesh::stream
