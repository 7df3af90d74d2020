#include "core/grpc/web_frames.hpp"

#include <algorithm>
#include <cctype>

#include "core/grpc/base64.hpp"

namespace grpcmesh::grpc {

std::string web_frame(std::string_view message, bool trailer) {
  std::string out;
  out.reserve(message.size() + 5);
  out.push_back(static_cast<char>(trailer ? 0x80 : 0x00));
  const auto n = static_cast<uint32_t>(message.size());
  for (int shift = 24; shift >= 0; shift -= 8) {
    out.push_back(static_cast<char>((n >> shift) & 0xff));
  }
  out.append(message);
  return out;
}

void WebFrameParser::feed(std::string_view bytes) { buffer_.append(bytes); }

std::optional<uint32_t> WebFrameParser::next_length() const {
  if (buffer_.size() < 5) {
    return std::nullopt;
  }
  uint32_t n = 0;
  for (size_t i = 1; i < 5; ++i) {
    n = (n << 8) | static_cast<unsigned char>(buffer_[i]);
  }
  return n;
}

std::optional<WebFrame> WebFrameParser::next() {
  const std::optional<uint32_t> length = next_length();
  if (!length || buffer_.size() < 5 + static_cast<size_t>(*length)) {
    return std::nullopt;
  }
  const uint32_t n = *length;
  const auto flags = static_cast<unsigned char>(buffer_[0]);
  WebFrame frame{(flags & 0x80) != 0, buffer_.substr(5, n), (flags & 0x01) != 0, flags};
  buffer_.erase(0, 5 + static_cast<size_t>(n));
  return frame;
}

std::optional<std::string> WebTextDecoder::feed(std::string_view text) {
  for (char c : text) {
    if (!std::isspace(static_cast<unsigned char>(c))) {
      carry_.push_back(c);
    }
  }
  size_t whole = carry_.size() / 4 * 4;
  std::string out;
  for (size_t i = 0; i < whole; i += 4) {
    std::string_view chars = std::string_view(carry_).substr(i, 4);
    // Padding only ends a group: "xxx=" or "xx==" (RFC 4648 section 3.2).
    size_t pad = chars.find('=');
    if (pad != std::string_view::npos && (pad < 2 || chars.substr(pad).find_first_not_of('=') != std::string_view::npos)) {
      return std::nullopt;
    }
    auto group = base64_decode(chars);
    if (!group) {
      return std::nullopt;
    }
    out += *group;
  }
  carry_.erase(0, whole);
  return out;
}

Metadata parse_trailer_block(std::string_view block) {
  Metadata out;
  size_t start = 0;
  while (start < block.size()) {
    // Lines end in CRLF (PROTOCOL-WEB.md); a bare LF is read as one too, as
    // Go's net/textproto reads header lines.
    size_t end = block.find('\n', start);
    if (end == std::string_view::npos) {
      end = block.size();
    }
    std::string_view line = block.substr(start, end - start);
    start = end + 1;
    if (!line.empty() && line.back() == '\r') {
      line.remove_suffix(1);
    }
    auto colon = line.find(':');
    if (colon == std::string_view::npos) {
      continue;
    }
    std::string key(line.substr(0, colon));
    std::transform(key.begin(), key.end(), key.begin(), [](unsigned char c) { return std::tolower(c); });
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') {
      value.remove_prefix(1);
    }
    while (!value.empty() && value.back() == ' ') {
      value.remove_suffix(1);
    }
    out.emplace(std::move(key), std::string(value));
  }
  return out;
}

}  // namespace grpcmesh::grpc
