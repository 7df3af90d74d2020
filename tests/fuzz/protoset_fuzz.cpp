// libFuzzer target: the protoset reader (core/mesh/protoset), which reads a
// FileDescriptorSet from the protobuf wire format by hand so the main binary
// needs no protobuf, on arbitrary bytes. It must return methods or throw
// grpcmesh::Error, and never read out of bounds.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/mesh/protoset.hpp"
#include "core/util/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  try {
    for (const auto& m : grpcmesh::mesh::protoset_methods(bytes, "fuzz")) {
      (void)m.full_name();
    }
  } catch (const grpcmesh::Error&) {
  }
  return 0;
}
