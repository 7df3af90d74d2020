// libFuzzer target: gRPC-Web text decoding, frame reassembly and trailer
// blocks (core/grpc/web_frames, core/grpc/base64) on arbitrary server bytes.
// The first byte picks the chunk size the body arrives in.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/grpc/base64.hpp"
#include "core/grpc/web_frames.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) {
    return 0;
  }
  const std::size_t chunk = 1 + data[0] % 64;
  std::string_view body(reinterpret_cast<const char*>(data + 1), size - 1);
  (void)grpcmesh::grpc::base64_decode(body);
  for (bool text : {false, true}) {
    grpcmesh::grpc::WebTextDecoder decoder;
    grpcmesh::grpc::WebFrameParser frames;
    for (std::size_t i = 0; i < body.size(); i += chunk) {
      std::string_view piece = body.substr(i, chunk);
      if (text) {
        auto decoded = decoder.feed(piece);
        if (!decoded) {
          break;
        }
        frames.feed(*decoded);
      } else {
        frames.feed(piece);
      }
      while (auto frame = frames.next()) {
        if (frame->trailer) {
          (void)grpcmesh::grpc::parse_trailer_block(frame->data);
        }
      }
    }
  }
  return 0;
}
