#include "core/grpc/describe.hpp"

#include <fmt/format.h>
#include <google/protobuf/descriptor.pb.h>

#include <algorithm>
#include <vector>

namespace grpcmesh::grpc {
namespace {

namespace pb = google::protobuf;

std::string pad(int indent) { return std::string(static_cast<size_t>(indent) * 2, ' '); }

std::string type_name(const pb::FieldDescriptor& f) {
  if (f.is_map()) {
    const pb::Descriptor* entry = f.message_type();
    return fmt::format("map<{}, {}>", type_name(*entry->map_key()), type_name(*entry->map_value()));
  }
  switch (f.type()) {
    case pb::FieldDescriptor::TYPE_MESSAGE:
    case pb::FieldDescriptor::TYPE_GROUP:
      return "." + f.message_type()->full_name();
    case pb::FieldDescriptor::TYPE_ENUM:
      return "." + f.enum_type()->full_name();
    default:
      return f.type_name();
  }
}

std::string label(const pb::FieldDescriptor& f) {
  if (f.is_map()) {
    return "";
  }
  if (f.is_repeated()) {
    return "repeated ";
  }
  if (f.file()->syntax() == pb::FileDescriptor::SYNTAX_PROTO3) {
    return f.has_optional_keyword() ? "optional " : "";
  }
  return f.is_required() ? "required " : "optional ";
}

std::string field_options(const pb::FieldDescriptor& f) {
  std::vector<std::string> opts;
  if (f.has_json_name() && f.json_name() != f.camelcase_name()) {
    opts.push_back(fmt::format("json_name = \"{}\"", f.json_name()));
  }
  if (f.options().deprecated()) {
    opts.push_back("deprecated = true");
  }
  if (f.options().has_packed()) {
    opts.push_back(fmt::format("packed = {}", f.options().packed() ? "true" : "false"));
  }
  if (opts.empty()) {
    return "";
  }
  std::string out = " [";
  for (size_t i = 0; i < opts.size(); ++i) {
    out += (i ? ", " : "") + opts[i];
  }
  return out + "]";
}

std::string field_line(const pb::FieldDescriptor& f) {
  return fmt::format("{}{} {} = {}{};", label(f), type_name(f), f.name(), f.number(), field_options(f));
}

std::string method_line(const pb::MethodDescriptor& m) {
  return fmt::format("rpc {} ( {}.{} ) returns ( {}.{} );", m.name(), m.client_streaming() ? "stream " : "",
                     m.input_type()->full_name(), m.server_streaming() ? "stream " : "", m.output_type()->full_name());
}

}  // namespace

std::string print_field(const pb::FieldDescriptor& field) { return field_line(field) + "\n"; }

std::string print_method(const pb::MethodDescriptor& method) { return method_line(method) + "\n"; }

std::string print_service(const pb::ServiceDescriptor& service) {
  std::vector<const pb::MethodDescriptor*> methods;
  for (int i = 0; i < service.method_count(); ++i) {
    methods.push_back(service.method(i));
  }
  std::sort(methods.begin(), methods.end(), [](auto* a, auto* b) { return a->name() < b->name(); });
  std::string out = fmt::format("service {} {{\n", service.name());
  for (const auto* m : methods) {
    out += "  " + method_line(*m) + "\n";
  }
  return out + "}\n";
}

std::string print_enum(const pb::EnumDescriptor& e, int indent) {
  std::string out = fmt::format("{}enum {} {{\n", pad(indent), e.name());
  for (int i = 0; i < e.value_count(); ++i) {
    out += fmt::format("{}{} = {};\n", pad(indent + 1), e.value(i)->name(), e.value(i)->number());
  }
  return out + pad(indent) + "}\n";
}

std::string print_message(const pb::Descriptor& m, int indent) {
  std::string out = fmt::format("{}message {} {{\n", pad(indent), m.name());
  std::vector<const pb::FieldDescriptor*> fields;
  for (int i = 0; i < m.field_count(); ++i) {
    fields.push_back(m.field(i));
  }
  std::sort(fields.begin(), fields.end(), [](auto* a, auto* b) { return a->number() < b->number(); });
  std::vector<const pb::OneofDescriptor*> printed;
  for (const auto* f : fields) {
    const pb::OneofDescriptor* oneof = f->real_containing_oneof();
    if (oneof == nullptr) {
      out += pad(indent + 1) + field_line(*f) + "\n";
      continue;
    }
    if (std::find(printed.begin(), printed.end(), oneof) != printed.end()) {
      continue;
    }
    printed.push_back(oneof);
    out += fmt::format("{}oneof {} {{\n", pad(indent + 1), oneof->name());
    for (int i = 0; i < oneof->field_count(); ++i) {
      out += pad(indent + 2) + field_line(*oneof->field(i)) + "\n";
    }
    out += pad(indent + 1) + "}\n";
  }
  for (int i = 0; i < m.nested_type_count(); ++i) {
    if (!m.nested_type(i)->options().map_entry()) {
      out += print_message(*m.nested_type(i), indent + 1);
    }
  }
  for (int i = 0; i < m.enum_type_count(); ++i) {
    out += print_enum(*m.enum_type(i), indent + 1);
  }
  return out + pad(indent) + "}\n";
}

std::string describe_symbol(const pb::DescriptorPool& pool, const std::string& symbol) {
  if (const auto* s = pool.FindServiceByName(symbol)) {
    return fmt::format("{} is a service:\n{}", symbol, print_service(*s));
  }
  if (const auto* m = pool.FindMessageTypeByName(symbol)) {
    return fmt::format("{} is a message:\n{}", symbol, print_message(*m));
  }
  if (const auto* e = pool.FindEnumTypeByName(symbol)) {
    return fmt::format("{} is an enum:\n{}", symbol, print_enum(*e));
  }
  if (const auto* m = pool.FindMethodByName(symbol)) {
    return fmt::format("{} is a method:\n{}", symbol, print_method(*m));
  }
  if (const auto* f = pool.FindFieldByName(symbol)) {
    return fmt::format("{} is a field:\n{}", symbol, print_field(*f));
  }
  // Enum values are scoped next to their enum ("pkg.Msg.CIRCLE"), but grpcurl
  // also accepts them under the enum ("pkg.Msg.Kind.CIRCLE").
  const pb::EnumValueDescriptor* value = pool.FindEnumValueByName(symbol);
  if (auto dot = symbol.rfind('.'); value == nullptr && dot != std::string::npos) {
    if (const auto* e = pool.FindEnumTypeByName(symbol.substr(0, dot))) {
      value = e->FindValueByName(symbol.substr(dot + 1));
    }
  }
  if (value != nullptr) {
    return fmt::format("{} is an enum value:\n{} = {};\n", symbol, value->name(), value->number());
  }
  return "";
}

}  // namespace grpcmesh::grpc
