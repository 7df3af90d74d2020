#pragma once

#include <google/protobuf/descriptor.h>

#include <string>

namespace grpcmesh::grpc {

// Proto source for descriptors, in grpcurl's `describe` layout: compact, no
// comments, fully qualified type names with a leading dot, elements sorted
// (fields by number, then nested messages, then nested enums).
std::string print_service(const google::protobuf::ServiceDescriptor& service);
std::string print_method(const google::protobuf::MethodDescriptor& method);
std::string print_message(const google::protobuf::Descriptor& message, int indent = 0);
std::string print_enum(const google::protobuf::EnumDescriptor& enumeration, int indent = 0);
std::string print_field(const google::protobuf::FieldDescriptor& field);

// `describe SYMBOL`: "<name> is a service:\n<source>" and friends. Returns
// an empty string when the pool has no such symbol.
std::string describe_symbol(const google::protobuf::DescriptorPool& pool, const std::string& symbol);

}  // namespace grpcmesh::grpc
