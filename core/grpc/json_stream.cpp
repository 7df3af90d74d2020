#include "core/grpc/json_stream.hpp"

#include <cctype>

#include "core/util/error.hpp"

namespace grpcmesh::grpc {

std::optional<std::string> JsonStreamReader::next() {
  std::string value;
  char c = 0;
  while (in_.get(c) && std::isspace(static_cast<unsigned char>(c))) {
  }
  if (!in_) {
    return std::nullopt;
  }
  value.push_back(c);
  if (c != '{' && c != '[') {
    // Not an object: hand the token to the JSON parser, which says what is wrong.
    while (in_.peek() != EOF && !std::isspace(in_.peek())) {
      value.push_back(static_cast<char>(in_.get()));
    }
    return value;
  }
  int depth = 1;
  bool in_string = false;
  bool escaped = false;
  while (depth > 0 && in_.get(c)) {
    value.push_back(c);
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      ++depth;
    } else if (c == '}' || c == ']') {
      --depth;
    }
  }
  if (depth > 0) {
    throw Error("the request data ends inside a JSON value: check for a missing '}' or '\"'");
  }
  return value;
}

std::optional<std::string> TextStreamReader::next() {
  if (done_) {
    return std::nullopt;
  }
  std::string value;
  char c = 0;
  while (in_.get(c)) {
    if (c == '\x1e') {
      return value;
    }
    value.push_back(c);
  }
  done_ = true;
  if (value.find_first_not_of(" \t\r\n") == std::string::npos) {
    return std::nullopt;
  }
  return value;
}

std::string indent_json(std::string_view json) {
  std::string out;
  out.reserve(json.size() * 2);
  int depth = 0;
  auto newline = [&] {
    out.push_back('\n');
    out.append(static_cast<size_t>(depth) * 2, ' ');
  };
  for (size_t i = 0; i < json.size(); ++i) {
    char c = json[i];
    if (c == '"') {
      size_t j = i + 1;
      while (j < json.size() && json[j] != '"') {
        j += json[j] == '\\' ? 2 : 1;
      }
      out.append(json.substr(i, j - i + 1));
      i = j;
      continue;
    }
    if (std::isspace(static_cast<unsigned char>(c))) {
      continue;
    }
    if (c == '{' || c == '[') {
      // Empty containers print as {} and [].
      size_t k = json.find_first_not_of(" \t\r\n", i + 1);
      if (k != std::string_view::npos && (json[k] == '}' || json[k] == ']')) {
        out.push_back(c);
        out.push_back(json[k]);
        i = k;
        continue;
      }
      out.push_back(c);
      ++depth;
      newline();
    } else if (c == '}' || c == ']') {
      --depth;
      newline();
      out.push_back(c);
    } else if (c == ',') {
      out.push_back(c);
      newline();
    } else if (c == ':') {
      out.append(": ");
    } else {
      out.push_back(c);
    }
  }
  return out;
}

}  // namespace grpcmesh::grpc
