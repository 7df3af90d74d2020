#include "core/grpc/codec.hpp"

#include <fmt/format.h>
#include <google/protobuf/text_format.h>
#include <google/protobuf/util/json_util.h>

#include <sstream>

#include "core/util/error.hpp"

namespace grpcmesh::grpc {
namespace {

namespace pb = google::protobuf;

std::unique_ptr<std::istream> data_stream(const Options& o) {
  if (o.data && *o.data != "@") {
    return std::make_unique<std::istringstream>(*o.data);
  }
  if (!o.data) {
    return std::make_unique<std::istringstream>("");
  }
  return nullptr;  // "@": stdin
}

std::variant<JsonStreamReader, TextStreamReader> make_reader(const Options& o, std::istream& in) {
  if (o.format == "text") {
    return TextStreamReader(in);
  }
  return JsonStreamReader(in);
}

// protobuf's status text reads "INVALID_ARGUMENT:reason"; keep the reason.
std::string reason(const std::string& status_text) {
  auto colon = status_text.find(':');
  return colon == std::string::npos ? status_text : status_text.substr(colon + 1);
}

}  // namespace

Codec::Codec(const Options& options, std::istream& stdin_stream)
    : options_(options),
      owned_(data_stream(options)),
      in_(owned_ ? *owned_ : stdin_stream),
      reader_(make_reader(options, in_)) {}

std::unique_ptr<pb::Message> Codec::make(const pb::Descriptor& type) {
  return std::unique_ptr<pb::Message>(factory_.GetPrototype(&type)->New());
}

std::unique_ptr<pb::Message> Codec::next_request(const pb::Descriptor& type) {
  std::optional<std::string> text;
  try {
    text = std::visit([](auto& r) { return r.next(); }, reader_);
  } catch (const Error& e) {
    throw Error(fmt::format("error getting request data: {}", e.what()));
  }
  if (!text) {
    return nullptr;
  }
  auto message = make(type);
  if (options_.format == "text") {
    if (!pb::TextFormat::ParseFromString(*text, message.get())) {
      throw Error(fmt::format("error getting request data: not valid text format for {}", type.full_name()));
    }
    return message;
  }
  pb::util::JsonParseOptions parse;
  parse.ignore_unknown_fields = options_.allow_unknown_fields;
  auto status = pb::util::JsonStringToMessage(*text, message.get(), parse);
  if (!status.ok()) {
    throw Error(fmt::format("error getting request data: {} (in {} for {}; -allow-unknown-fields skips unknown fields)",
                            reason(status.ToString()), *text, type.full_name()));
  }
  return message;
}

std::string Codec::print(const pb::Message& message) const {
  if (options_.format == "text") {
    std::string out;
    pb::TextFormat::Printer printer;
    printer.PrintToString(message, &out);
    while (!out.empty() && out.back() == '\n') {
      out.pop_back();
    }
    return out;
  }
  pb::util::JsonPrintOptions print;
  print.always_print_primitive_fields = options_.emit_defaults;
  print.always_print_enums_as_ints = false;
  std::string json;
  auto status = pb::util::MessageToJsonString(message, &json, print);
  if (!status.ok()) {
    throw Error(fmt::format("could not print the response as JSON: {}", reason(status.ToString())));
  }
  return indent_json(json);
}

}  // namespace grpcmesh::grpc
