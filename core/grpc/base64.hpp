#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace grpcmesh::grpc {

// Standard base64 with padding (gRPC -bin metadata, gRPC-Web text mode).
std::string base64_encode(std::string_view bytes);
// Decodes padded or unpadded base64; nullopt on a character outside the alphabet.
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace grpcmesh::grpc
