#pragma once

#include <google/protobuf/descriptor.h>
#include <google/protobuf/dynamic_message.h>
#include <google/protobuf/message.h>

#include <istream>
#include <memory>
#include <optional>
#include <string>
#include <variant>

#include "core/grpc/json_stream.hpp"
#include "core/grpc/options.hpp"

namespace grpcmesh::grpc {

// JSON (or text format) <-> dynamic protobuf messages, as grpcurl reads -d
// and prints responses.
class Codec {
 public:
  Codec(const Options& options, std::istream& stdin_stream);

  std::unique_ptr<google::protobuf::Message> make(const google::protobuf::Descriptor& type);
  // The next request message of the -d data (or stdin for "@"), or nullptr at
  // the end. Throws Error ("error getting request data: ...") on bad input.
  std::unique_ptr<google::protobuf::Message> next_request(const google::protobuf::Descriptor& type);
  // A response as grpcurl prints it (no trailing newline).
  std::string print(const google::protobuf::Message& message) const;

 private:
  const Options& options_;
  google::protobuf::DynamicMessageFactory factory_;
  std::unique_ptr<std::istream> owned_;
  std::istream& in_;
  std::variant<JsonStreamReader, TextStreamReader> reader_;
};

}  // namespace grpcmesh::grpc
