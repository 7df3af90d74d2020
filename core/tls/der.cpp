#include "core/tls/der.hpp"

#include <algorithm>

#include "core/kube/encoding.hpp"

namespace grpcmesh::tls::der {

std::optional<Element> Reader::peek(size_t& size) {
  if (failed_ || rest_.size() < 2) {
    failed_ = failed_ || !rest_.empty();
    return std::nullopt;
  }
  const auto byte = [&](size_t i) { return static_cast<std::uint8_t>(rest_[i]); };
  const std::uint8_t tag = byte(0);
  if ((tag & 0x1F) == 0x1F) {  // a multi-byte tag: none in what we read
    failed_ = true;
    return std::nullopt;
  }
  size_t length = byte(1);
  size_t header = 2;
  if (length & 0x80) {
    const size_t count = length & 0x7F;
    if (count == 0 || count > 4 || rest_.size() < 2 + count) {  // indefinite, or 4 GiB and more
      failed_ = true;
      return std::nullopt;
    }
    length = 0;
    for (size_t i = 0; i < count; ++i) {
      length = (length << 8) | byte(2 + i);
    }
    header += count;
  }
  if (rest_.size() - header < length) {
    failed_ = true;
    return std::nullopt;
  }
  size = header + length;
  return Element{tag, rest_.substr(header, length)};
}

std::optional<Element> Reader::next() {
  size_t size = 0;
  auto e = peek(size);
  if (e) {
    rest_.remove_prefix(size);
  }
  return e;
}

std::optional<Element> Reader::next_if(std::uint8_t tag) {
  size_t size = 0;
  auto e = peek(size);
  if (!e || e->tag != tag) {
    return std::nullopt;
  }
  rest_.remove_prefix(size);
  return e;
}

std::optional<Element> Reader::expect(std::uint8_t tag) {
  auto e = next_if(tag);
  if (!e) {
    failed_ = true;
  }
  return e;
}

std::optional<std::string_view> unsigned_integer(std::string_view content) {
  if (content.empty() || (static_cast<std::uint8_t>(content[0]) & 0x80)) {
    return std::nullopt;
  }
  while (content.size() > 1 && content[0] == '\0') {
    content.remove_prefix(1);
  }
  return content;
}

std::optional<std::string_view> whole_bytes(std::string_view bit_string) {
  if (bit_string.empty() || bit_string[0] != '\0') {
    return std::nullopt;
  }
  return bit_string.substr(1);
}

}  // namespace grpcmesh::tls::der

namespace grpcmesh::tls::pem {
namespace {

constexpr std::string_view kBegin = "-----BEGIN ";
constexpr std::string_view kEnd = "-----END ";
constexpr std::string_view kDashes = "-----";

// The line starting at `pos` and where the next starts. As OpenSSL reads a
// PEM line, everything at its end up to a space (CR, tabs, control bytes,
// NUL) is dropped, so "-----BEGIN CERTIFICATE-----\x1a" begins a block.
std::string_view line_at(std::string_view text, size_t pos, size_t& next) {
  size_t end = text.find('\n', pos);
  next = end == std::string_view::npos ? text.size() : end + 1;
  std::string_view line = text.substr(pos, (end == std::string_view::npos ? text.size() : end) - pos);
  while (!line.empty() && static_cast<unsigned char>(line.back()) <= ' ') {
    line.remove_suffix(1);
  }
  return line;
}

// Whether OpenSSL may take `line` (as line_at returns it) for a marker line
// where this reader does not. It drops a UTF-8 byte order mark at the start
// of the first line it reads for a block (3.0 and later); and its test of a
// line's end, `linebuf[len] <= ' '`, is on a plain char, so where char is
// signed (x86-64, not arm64) it also drops bytes from 0x80 up there.
bool marker_only_to_openssl(std::string_view line) {
  constexpr std::string_view kBom = "\xEF\xBB\xBF";
  if (line.substr(0, kBom.size()) == kBom) {
    return line.substr(kBom.size(), kDashes.size()) == kDashes;
  }
  const auto dropped = [](char c) {
    const auto byte = static_cast<unsigned char>(c);
    return byte <= ' ' || byte >= 0x80;
  };
  if (line.empty() || static_cast<unsigned char>(line.back()) < 0x80) {
    return false;
  }
  while (!line.empty() && dropped(line.back())) {
    line.remove_suffix(1);
  }
  return line.substr(0, kDashes.size()) == kDashes;
}

// OpenSSL reads PEM text in pieces of at most 254 bytes (BIO_gets with its
// LINESIZE of 255), so to it the rest of a longer line is a line of its
// own, which may be a marker.
bool has_line_openssl_splits(std::string_view text) {
  constexpr size_t kLongest = 253;  // and its '\n'
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) {
      return text.size() - pos > kLongest + 1;
    }
    if (end - pos > kLongest) {
      return true;
    }
    pos = end + 1;
  }
  return false;
}

// The label of a "-----BEGIN X-----" or "-----END X-----" line, if it is one.
std::optional<std::string_view> label_of(std::string_view line, std::string_view prefix) {
  if (line.substr(0, prefix.size()) != prefix || line.size() < prefix.size() + kDashes.size() ||
      line.substr(line.size() - kDashes.size()) != kDashes) {
    return std::nullopt;
  }
  return line.substr(prefix.size(), line.size() - prefix.size() - kDashes.size());
}

}  // namespace

std::optional<std::vector<Block>> blocks(std::string_view text) {
  if (has_line_openssl_splits(text)) {
    return std::nullopt;
  }
  std::vector<Block> out;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t next = 0;
    const std::string_view first = line_at(text, pos, next);
    if (marker_only_to_openssl(first)) {
      return std::nullopt;
    }
    auto label = label_of(first, kBegin);
    pos = next;
    if (!label) {
      continue;
    }
    if (label->find('\0') != std::string_view::npos) {
      return std::nullopt;  // OpenSSL compares the label up to the NUL at BEGIN, but not at END
    }
    Block block;
    block.label = std::string(*label);
    std::string body;
    bool ended = false;
    while (pos < text.size() && !ended) {
      std::string_view line = line_at(text, pos, next);
      pos = next;
      if (marker_only_to_openssl(line)) {
        return std::nullopt;
      }
      if (auto end = label_of(line, kEnd)) {
        if (*end != *label) {
          return std::nullopt;
        }
        ended = true;
      } else if (line.find(':') != std::string_view::npos) {
        block.plain = false;
      } else if (line.find_first_not_of(" \t\f\v") == std::string_view::npos) {
        // OpenSSL takes a blank line for the end of RFC 1421 headers: the
        // lines before it are then headers, and another one is an error.
        block.plain = false;
      } else {
        body += line;
      }
    }
    if (!ended) {
      return std::nullopt;
    }
    auto der = kube::base64_decode(body);
    // OpenSSL's decoder refuses a last group of fewer than four characters,
    // which base64_decode reads as if padded. Neither counts the white
    // space base64_decode skips (a CR inside a line too).
    const auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v'; };
    const auto characters = body.size() - static_cast<size_t>(std::count_if(body.begin(), body.end(), blank));
    // It also refuses more than two '=' (its count of padding).
    const auto padding = std::count(body.begin(), body.end(), '=');
    if (!der || der->empty() || characters % 4 != 0 || padding > 2) {
      block.plain = false;
    } else {
      block.der = std::move(*der);
    }
    out.push_back(std::move(block));
  }
  return out;
}

}  // namespace grpcmesh::tls::pem
