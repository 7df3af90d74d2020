#pragma once

#include <istream>
#include <optional>
#include <string>
#include <string_view>

namespace grpcmesh::grpc {

// Splits a stream of concatenated JSON values ("{...} {...}", with any
// whitespace between them), the way grpcurl reads -d and stdin. Reads lazily,
// so an interactive stdin feeds a stream call one message at a time.
class JsonStreamReader {
 public:
  explicit JsonStreamReader(std::istream& in) : in_(in) {}
  // The next complete top-level value, or nullopt at the end of the input.
  // Throws grpcmesh::Error when the input ends inside a value.
  std::optional<std::string> next();

 private:
  std::istream& in_;
};

// Splits text-format input: messages separated by the record separator 0x1e.
class TextStreamReader {
 public:
  explicit TextStreamReader(std::istream& in) : in_(in) {}
  std::optional<std::string> next();

 private:
  std::istream& in_;
  bool done_ = false;
};

// Re-indents compact or differently indented JSON with two spaces per level,
// "key": value spacing and no whitespace in empty containers, as grpcurl
// prints. Values (numbers, strings) are copied byte for byte.
std::string indent_json(std::string_view json);

}  // namespace grpcmesh::grpc
