#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace grpcmesh::grpc {

// Metadata as received or sent: lower-case keys, stable order; -bin values raw.
using Metadata = std::multimap<std::string, std::string>;

// gRPC's message framing (grpc/grpc doc/PROTOCOL-HTTP2.md, Length-Prefixed-
// Message), which gRPC-Web keeps (doc/PROTOCOL-WEB.md): a 5-byte prefix
// (flags, 4-byte big-endian length) per frame. Flag bit 0x01 marks a
// compressed message; in gRPC-Web, bit 0x80 marks the trailer frame, whose
// body is "key:value\r\n" lines.
std::string web_frame(std::string_view message, bool trailer = false);

struct WebFrame {
  bool trailer = false;
  std::string data;
  bool compressed = false;
  std::uint8_t flags = 0;  // the whole flags byte
};

// Collects frames from a response body that arrives in arbitrary pieces.
class WebFrameParser {
 public:
  void feed(std::string_view bytes);
  std::optional<WebFrame> next();
  // The length of the frame being received, once its prefix is in.
  std::optional<uint32_t> next_length() const;
  // Bytes of an unfinished frame left at the end of the body.
  size_t pending() const { return buffer_.size(); }

 private:
  std::string buffer_;
};

// Decodes a grpc-web-text body chunk by chunk: base64 in groups of four
// characters, where every chunk may end with its own padding.
class WebTextDecoder {
 public:
  // Decoded bytes of the complete groups seen so far; nullopt on bad base64.
  std::optional<std::string> feed(std::string_view text);
  // Characters of an unfinished group of four: at the end of a body, bad base64.
  size_t pending() const { return carry_.size(); }

 private:
  std::string carry_;
};

// Parses a trailer frame body into lower-cased metadata.
Metadata parse_trailer_block(std::string_view block);

}  // namespace grpcmesh::grpc
