#pragma once

#include <google/protobuf/descriptor.pb.h>
#include <google/protobuf/descriptor_database.h>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/grpc/transport.hpp"
#include "core/util/error.hpp"

namespace grpcmesh::grpc {

// A server reflection client of our own: each request is one
// ServerReflectionInfo stream carrying one request and one response (the
// protocol allows many per stream; one per stream needs no ordering across
// DescriptorDatabase lookups and costs one HTTP/2 stream on the shared
// connection). grpc.reflection.v1 first, grpc.reflection.v1alpha when the
// server answers UNIMPLEMENTED (older C++ and Java servers serve only that).
class ReflectionClient {
 public:
  // `settings`: metadata (-H, -reflect-header) and deadline of every request.
  ReflectionClient(Connection& connection, CallSettings settings);

  std::vector<std::string> list_services();
  // Serialized FileDescriptorProtos the server returns (the file and usually
  // its dependencies), or an empty list when it does not know the name.
  std::vector<std::string> file_by_filename(const std::string& name);
  std::vector<std::string> file_containing_symbol(const std::string& symbol);
  std::vector<std::string> file_containing_extension(const std::string& type, int number);

  // "v1" or "v1alpha" once the server has answered.
  const std::string& version() const { return version_; }

 private:
  std::string ask(const std::string& request);  // returns the serialized response

  Connection& connection_;
  CallSettings settings_;
  std::string version_;
  std::optional<Error> failed_;  // once the server failed, every lookup fails the same way
};

// A DescriptorDatabase answered by server reflection, so a DescriptorPool built
// on it resolves every dependency (recursively) by asking the server. Transport
// failures cannot cross the protobuf API: they are kept in error() and the
// caller turns them into an Error.
class ReflectionDatabase : public google::protobuf::DescriptorDatabase {
 public:
  explicit ReflectionDatabase(ReflectionClient& client) : client_(client) {}

  bool FindFileByName(const std::string& filename, google::protobuf::FileDescriptorProto* output) override;
  bool FindFileContainingSymbol(const std::string& symbol_name,
                                google::protobuf::FileDescriptorProto* output) override;
  bool FindFileContainingExtension(const std::string& containing_type, int field_number,
                                   google::protobuf::FileDescriptorProto* output) override;

  const std::optional<std::string>& error() const { return error_; }

 private:
  // Caches every file of a response; returns the first one's name.
  std::optional<std::string> remember(const std::vector<std::string>& files);
  bool copy(const std::string& name, google::protobuf::FileDescriptorProto* output);

  ReflectionClient& client_;
  std::map<std::string, google::protobuf::FileDescriptorProto> files_;
  std::map<std::string, std::string> symbol_file_;
  std::optional<std::string> error_;
};

}  // namespace grpcmesh::grpc
