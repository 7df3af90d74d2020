#include "core/kube/wire.hpp"

#include <cctype>
#include <charconv>
#include <cstdint>

namespace grpcmesh::kube {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) {
    s.remove_suffix(1);
  }
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) {
    s.remove_prefix(1);
  }
  return s;
}

bool same_name(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) {
    return false;
  }
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

}  // namespace

void note_response_header(Exchange& exchange, std::string_view name, std::string_view value) {
  name = trim(name);
  value = trim(value);
  if (same_name(name, "warning")) {
    for (auto& w : parse_warnings(value)) {
      exchange.warnings.push_back(std::move(w));
    }
  } else if (same_name(name, "retry-after")) {
    exchange.retry_after = value;
  } else if (same_name(name, "content-type")) {
    exchange.content_type = value;
  }
}

std::optional<std::chrono::seconds> retry_after_seconds(std::string_view value) {
  if (!value.empty() && value[0] == '+') {
    value.remove_prefix(1);  // strconv.Atoi takes a sign
  }
  std::int64_t seconds = 0;
  auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
  if (value.empty() || ec != std::errc() || ptr != value.data() + value.size()) {
    return std::nullopt;
  }
  return std::chrono::seconds(seconds);
}

std::vector<std::string> parse_warnings(std::string_view value) {
  std::vector<std::string> out;
  size_t pos = 0;
  while ((pos = value.find('"', pos)) != std::string_view::npos) {
    std::string text;
    size_t i = pos + 1;
    for (; i < value.size() && value[i] != '"'; ++i) {
      if (value[i] == '\\' && i + 1 < value.size()) {
        ++i;
      }
      text += value[i];
    }
    out.push_back(text);
    pos = i + 1;
    // Skip an optional quoted warn-date, which has commas of its own.
    while (pos < value.size() && value[pos] == ' ') {
      ++pos;
    }
    if (pos < value.size() && value[pos] == '"') {
      size_t end = value.find('"', pos + 1);
      pos = end == std::string_view::npos ? value.size() : end + 1;
    }
    size_t comma = value.find(',', pos);
    if (comma == std::string_view::npos) {
      break;
    }
    pos = comma + 1;
  }
  return out;
}

std::string escape_query(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (unsigned char c : text) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

}  // namespace grpcmesh::kube
