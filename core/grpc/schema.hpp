#pragma once

#include <google/protobuf/descriptor.h>
#include <google/protobuf/descriptor_database.h>

#include <memory>
#include <string>
#include <vector>

namespace grpcmesh::grpc {

class ReflectionClient;

// Where descriptors come from: server reflection, .proto files or protosets.
// One DescriptorPool on top of a DescriptorDatabase, so dependencies resolve
// on demand whatever the source.
class Schema {
 public:
  Schema();
  virtual ~Schema();
  // The services the source knows, sorted.
  virtual std::vector<std::string> list_services() = 0;

  // Any named element: service, method, message, enum, field, enum value.
  // nullptr when unknown. Throws Error when the source itself fails.
  const google::protobuf::Descriptor* find_message(const std::string& name);
  const google::protobuf::ServiceDescriptor* find_service(const std::string& name);
  // "pkg.Service/Method" or "pkg.Service.Method"; throws Error (grpcurl's
  // wording) when the service or the method does not exist.
  const google::protobuf::MethodDescriptor* find_method(const std::string& name);

  // `describe SYMBOL` text, or empty when the symbol is unknown.
  std::string describe(const std::string& symbol);

  const google::protobuf::DescriptorPool& pool() const { return *pool_; }

  // Throws when the underlying source (the server) failed during a lookup.
  virtual void check_source() {}

 protected:
  void init(google::protobuf::DescriptorDatabase& db);

 private:
  class Collector;
  std::unique_ptr<Collector> collector_;
  std::unique_ptr<google::protobuf::DescriptorPool> pool_;
};

std::unique_ptr<Schema> reflection_schema(ReflectionClient& client);
// -proto files resolved against -import-path directories (the current
// directory when none is given).
std::unique_ptr<Schema> proto_file_schema(const std::vector<std::string>& protos,
                                          const std::vector<std::string>& import_paths);
// -protoset files: serialized google.protobuf.FileDescriptorSet.
std::unique_ptr<Schema> protoset_schema(const std::vector<std::string>& protosets);

}  // namespace grpcmesh::grpc
