#include "core/grpc/web_frames.hpp"

#include <doctest/doctest.h>

#include <vector>

#include "core/grpc/base64.hpp"

namespace grpcmesh::grpc {

TEST_CASE("web_frame writes the 5-byte prefix, 0x80 marks the trailer frame") {
  CHECK(web_frame("ab") == std::string("\x00\x00\x00\x00\x02" "ab", 7));
  CHECK(web_frame("", true) == std::string("\x80\x00\x00\x00\x00", 5));
}

TEST_CASE("WebFrameParser reassembles frames fed one byte at a time") {
  std::string body = web_frame("hello") + web_frame(std::string(300, 'x')) + web_frame("grpc-status:0\r\n", true);
  WebFrameParser parser;
  std::vector<WebFrame> frames;
  for (char c : body) {
    parser.feed(std::string_view(&c, 1));
    while (auto f = parser.next()) {
      frames.push_back(*f);
    }
  }
  REQUIRE(frames.size() == 3);
  CHECK(frames[0].data == "hello");
  CHECK_FALSE(frames[0].trailer);
  CHECK(frames[1].data.size() == 300);
  CHECK(frames[2].trailer);
  CHECK(parser.pending() == 0);
}

TEST_CASE("a frame's length is known from its prefix, bit 0x01 marks a compressed message") {
  WebFrameParser parser;
  parser.feed(std::string("\x01\x00\x00\x01", 4));
  CHECK_FALSE(parser.next_length().has_value());  // the prefix is not complete yet
  parser.feed(std::string("\x00", 1));
  REQUIRE(parser.next_length().has_value());
  CHECK(*parser.next_length() == 256);
  CHECK_FALSE(parser.next().has_value());
  parser.feed(std::string(256, 'z'));
  auto frame = parser.next();
  REQUIRE(frame.has_value());
  CHECK(frame->compressed);
  CHECK_FALSE(frame->trailer);
  CHECK(frame->data.size() == 256);
}

TEST_CASE("WebTextDecoder decodes base64 chunks split anywhere, each with its own padding") {
  // A server encodes each write separately: message frame, then trailer frame.
  std::string text = base64_encode(web_frame("hi")) + base64_encode(web_frame("grpc-status:0\r\n", true));
  WebTextDecoder decoder;
  WebFrameParser parser;
  for (size_t i = 0; i < text.size(); i += 3) {
    auto decoded = decoder.feed(std::string_view(text).substr(i, 3));
    REQUIRE(decoded.has_value());
    parser.feed(*decoded);
  }
  auto first = parser.next();
  REQUIRE(first.has_value());
  CHECK(first->data == "hi");
  auto second = parser.next();
  REQUIRE(second.has_value());
  CHECK(second->trailer);
  CHECK(second->data == "grpc-status:0\r\n");
  CHECK_FALSE(decoder.feed("%%%%").has_value());
}

TEST_CASE("WebTextDecoder refuses padding anywhere but at the end of a group") {
  for (const char* bad : {"A=AA", "=AAA", "AB=C", "A===", "====", "AAAA=AAA"}) {
    CAPTURE(bad);
    WebTextDecoder decoder;
    CHECK_FALSE(decoder.feed(bad).has_value());
  }
  WebTextDecoder decoder;
  CHECK(decoder.feed("aGk=aGk=aA==") == std::optional<std::string>("hihih"));
  CHECK(decoder.pending() == 0);
  // Stray characters after the last group wait for more; at the end of the
  // body the transport refuses them (pending() says they are there).
  CHECK(decoder.feed("==") == std::optional<std::string>(""));
  CHECK(decoder.pending() == 2);
}

TEST_CASE("parse_trailer_block reads key:value lines, lower-cases keys, trims values") {
  Metadata md = parse_trailer_block("Grpc-Status: 5\r\ngrpc-message:not found\r\nx-extra: a\r\n");
  CHECK(md.find("grpc-status")->second == "5");
  CHECK(md.find("grpc-message")->second == "not found");
  CHECK(md.find("x-extra")->second == "a");
  CHECK(md.size() == 3);
}

TEST_CASE("parse_trailer_block reads lines ending in a bare LF") {
  Metadata md = parse_trailer_block("grpc-status:3\ngrpc-message:bad input\r\nx-a: 1\n");
  CHECK(md.find("grpc-status")->second == "3");
  CHECK(md.find("grpc-message")->second == "bad input");
  CHECK(md.find("x-a")->second == "1");
  CHECK(md.size() == 3);
}

}  // namespace grpcmesh::grpc
