#pragma once
// The methods of a protoset (a serialized google.protobuf.FileDescriptorSet,
// as `protoc --include_imports --descriptor_set_out` writes it), read from
// the protobuf wire format without protobuf: expose only needs to know which
// routed methods stream their responses.

#include <string>
#include <string_view>
#include <vector>

namespace grpcmesh::mesh {

struct ProtosetMethod {
  std::string service;  // fully qualified: "shapes.v1.Shapes"
  std::string name;     // "Watch"
  bool client_streaming = false;
  bool server_streaming = false;
  std::string full_name() const { return service + "/" + name; }
};

// Every method of every service in `bytes`, in file order. Throws
// grpcmesh::Error "<source> is not a protoset (...)" when the bytes are not
// a FileDescriptorSet.
std::vector<ProtosetMethod> protoset_methods(std::string_view bytes, const std::string& source);

// The same for the file `path`, named by the option `option` in errors.
std::vector<ProtosetMethod> read_protoset(const std::string& path, std::string_view option);

}  // namespace grpcmesh::mesh
