#include "core/util/yaml.hpp"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <array>
#include <cctype>
#include <charconv>
#include <cstdint>
#include <regex>
#include <sstream>

#include "core/util/error.hpp"

namespace grpcmesh::yaml {
namespace {

// YAML 1.1 booleans, as go-yaml v2 (and therefore kubectl) resolves them.
constexpr std::array kTrue = {"y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"};
constexpr std::array kFalse = {"n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"};
constexpr std::array kNull = {"", "~", "null", "Null", "NULL"};

template <typename Array>
bool one_of(const Array& words, std::string_view s) {
  for (std::string_view w : words) {
    if (w == s) {
      return true;
    }
  }
  return false;
}

bool looks_like_int(const std::string& s) {
  static const std::regex re(R"([-+]?(0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?0o?[0-7_]+|[-+]?0b[01_]+)");
  return std::regex_match(s, re);
}

bool looks_like_float(const std::string& s) {
  static const std::regex re(
      R"([-+]?([0-9][0-9_]*)?\.[0-9_]*([eE][-+]?[0-9]+)?|[-+]?[0-9][0-9_]*[eE][-+]?[0-9]+|[-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN))");
  // A float has a digit, or is .inf/.nan: "." and "-." are plain strings (as in go-yaml).
  const bool has_digit = s.find_first_of("0123456789") != std::string::npos;
  return std::regex_match(s, re) && (has_digit || s.find_first_of("iInN") != std::string::npos);
}

nlohmann::json resolve_plain(const std::string& s) {
  if (one_of(kNull, s)) {
    return nullptr;
  }
  if (one_of(kTrue, s)) {
    return true;
  }
  if (one_of(kFalse, s)) {
    return false;
  }
  if (looks_like_int(s)) {
    std::string digits;
    for (char c : s) {
      if (c != '_') {
        digits += c;
      }
    }
    bool negative = !digits.empty() && digits[0] == '-';
    std::string_view body(digits);
    if (!body.empty() && (body[0] == '-' || body[0] == '+')) {
      body.remove_prefix(1);
    }
    int base = 10;
    if (body.size() > 1 && body[0] == '0') {
      if (body[1] == 'x') {
        base = 16, body.remove_prefix(2);
      } else if (body[1] == 'b') {
        base = 2, body.remove_prefix(2);
      } else if (body[1] == 'o') {
        base = 8, body.remove_prefix(2);
      } else {
        base = 8, body.remove_prefix(1);
      }
    }
    std::uint64_t v = 0;
    auto [ptr, ec] = std::from_chars(body.data(), body.data() + body.size(), v, base);
    if (ec == std::errc() && ptr == body.data() + body.size()) {
      if (negative && v <= static_cast<std::uint64_t>(INT64_MAX) + 1) {
        return static_cast<std::int64_t>(0 - v);
      }
      if (!negative && v <= static_cast<std::uint64_t>(INT64_MAX)) {
        return static_cast<std::int64_t>(v);
      }
      if (!negative) {
        return v;
      }
    }
    return s;  // out of range: keep the text, as go-yaml does
  }
  if (looks_like_float(s)) {
    std::string t;
    for (char c : s) {
      if (c != '_') {
        t += c;
      }
    }
    if (t.find("inf") != std::string::npos || t.find("Inf") != std::string::npos ||
        t.find("INF") != std::string::npos || t.find("nan") != std::string::npos ||
        t.find("NaN") != std::string::npos || t.find("NAN") != std::string::npos) {
      return s;  // JSON has no infinities or NaN
    }
    return std::stod(t);
  }
  return s;
}

nlohmann::json to_json(const YAML::Node& node, const std::string& source) {
  switch (node.Type()) {
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
      return nullptr;
    case YAML::NodeType::Scalar: {
      const std::string& tag = node.Tag();
      if (tag == "!") {  // quoted or block scalar: always a string
        return node.Scalar();
      }
      if (tag == "tag:yaml.org,2002:str" || tag == "!!str") {
        return node.Scalar();
      }
      return resolve_plain(node.Scalar());
    }
    case YAML::NodeType::Sequence: {
      nlohmann::json arr = nlohmann::json::array();
      for (const auto& item : node) {
        arr.push_back(to_json(item, source));
      }
      return arr;
    }
    case YAML::NodeType::Map: {
      nlohmann::json obj = nlohmann::json::object();
      for (const auto& kv : node) {
        if (!kv.first.IsScalar()) {
          throw Error(fmt::format("{}:{}: mapping keys must be strings", source, kv.first.Mark().line + 1));
        }
        obj[kv.first.Scalar()] = to_json(kv.second, source);
      }
      return obj;
    }
  }
  return nullptr;
}

// --- emitting ---------------------------------------------------------------

bool needs_quotes(const std::string& s) {
  if (s.empty()) {
    return true;
  }
  nlohmann::json resolved = resolve_plain(s);
  if (!resolved.is_string()) {
    return true;  // would read back as a number, boolean or null
  }
  static const std::string_view kLeading = "-?:,[]{}#&*!|>'\"%@`";
  if (kLeading.find(s.front()) != std::string_view::npos) {
    // "-" and "?" and ":" are fine when followed by a non-space, except "-" alone
    bool indicator_ok = (s.front() == '-' || s.front() == '?' || s.front() == ':') && s.size() > 1 && s[1] != ' ';
    if (!indicator_ok) {
      return true;
    }
  }
  if (s.front() == ' ' || s.back() == ' ' || s.back() == ':') {
    return true;
  }
  if (s.find(": ") != std::string::npos || s.find(" #") != std::string::npos) {
    return true;
  }
  for (unsigned char c : s) {
    if (c < 0x20 || c == 0x7f) {
      return true;
    }
  }
  return false;
}

std::string double_quoted(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      default:
        if (c < 0x20 || c == 0x7f) {
          out += fmt::format("\\x{:02X}", c);
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + "\"";
}

std::string scalar(const nlohmann::json& v) {
  switch (v.type()) {
    case nlohmann::json::value_t::null: return "null";
    case nlohmann::json::value_t::boolean: return v.get<bool>() ? "true" : "false";
    case nlohmann::json::value_t::number_integer:
    case nlohmann::json::value_t::number_unsigned:
    case nlohmann::json::value_t::number_float: return v.dump();
    case nlohmann::json::value_t::string: {
      const auto& s = v.get_ref<const std::string&>();
      if (!needs_quotes(s)) {
        return s;
      }
      bool plain_text = true;
      for (unsigned char c : s) {
        if (c < 0x20 || c == 0x7f) {
          plain_text = false;
        }
      }
      if (plain_text) {
        std::string out = "'";
        for (char c : s) {
          out += c;
          if (c == '\'') {
            out += '\'';
          }
        }
        return out + "'";
      }
      return double_quoted(s);
    }
    default: return v.dump();
  }
}

bool is_block_string(const nlohmann::json& v) {
  if (!v.is_string()) {
    return false;
  }
  const auto& s = v.get_ref<const std::string&>();
  if (s.find('\n') == std::string::npos) {
    return false;
  }
  for (unsigned char c : s) {
    if ((c < 0x20 && c != '\n') || c == 0x7f) {
      return false;
    }
  }
  // A literal block cannot keep leading spaces on its first line or trailing spaces.
  return s.front() != ' ' && s.find(" \n") == std::string::npos;
}

void emit_block_string(std::string& out, const std::string& s, int indent) {
  bool trailing_newline = !s.empty() && s.back() == '\n';
  bool extra_newlines = s.size() > 1 && s[s.size() - 1] == '\n' && s[s.size() - 2] == '\n';
  out += extra_newlines ? "|+\n" : (trailing_newline ? "|\n" : "|-\n");
  std::string pad(static_cast<size_t>(indent), ' ');
  size_t start = 0;
  std::string body = trailing_newline ? s.substr(0, s.size() - 1) : s;
  while (start <= body.size()) {
    size_t nl = body.find('\n', start);
    std::string line = body.substr(start, nl == std::string::npos ? std::string::npos : nl - start);
    out += line.empty() ? "" : pad + line;
    out += '\n';
    if (nl == std::string::npos) {
      break;
    }
    start = nl + 1;
  }
}

bool is_empty_collection(const nlohmann::json& v) {
  return (v.is_object() || v.is_array()) && v.empty();
}

void emit(std::string& out, const nlohmann::json& v, int indent);

// Emits the value that follows "key:" or "- ".
void emit_after_key(std::string& out, const nlohmann::json& v, int indent, bool in_sequence_item) {
  if (v.is_object() && !v.empty()) {
    out += '\n';
    emit(out, v, indent + 2);
  } else if (v.is_array() && !v.empty()) {
    out += '\n';
    // go-yaml puts sequence items at the key's indent inside maps
    emit(out, v, in_sequence_item ? indent + 2 : indent);
  } else if (is_empty_collection(v)) {
    out += v.is_object() ? " {}\n" : " []\n";
  } else if (is_block_string(v)) {
    out += ' ';
    emit_block_string(out, v.get<std::string>(), indent + 2);
  } else {
    out += ' ' + scalar(v) + '\n';
  }
}

void emit(std::string& out, const nlohmann::json& v, int indent) {
  std::string pad(static_cast<size_t>(indent), ' ');
  if (v.is_object()) {
    for (auto it = v.begin(); it != v.end(); ++it) {
      out += pad + scalar(nlohmann::json(it.key())) + ':';
      emit_after_key(out, it.value(), indent, false);
    }
  } else if (v.is_array()) {
    for (const auto& item : v) {
      out += pad + "-";
      if (item.is_object() && !item.empty()) {
        // first key on the dash line, the rest aligned under it
        std::string nested;
        emit(nested, item, indent + 2);
        out += ' ' + nested.substr(static_cast<size_t>(indent + 2));
      } else if (item.is_array() && !item.empty()) {
        std::string nested;
        emit(nested, item, indent + 2);
        out += ' ' + nested.substr(static_cast<size_t>(indent + 2));
      } else {
        emit_after_key(out, item, indent, true);
      }
    }
  } else if (is_block_string(v)) {
    emit_block_string(out, v.get<std::string>(), indent);
  } else {
    out += pad + scalar(v) + '\n';
  }
}

}  // namespace

std::vector<Document> parse_all(std::string_view text, const std::string& source) {
  std::vector<Document> docs;
  try {
    std::vector<YAML::Node> nodes = YAML::LoadAll(std::string(text));
    for (const auto& node : nodes) {
      if (node.IsNull() || !node.IsDefined()) {
        continue;
      }
      docs.push_back({to_json(node, source), node.Mark().line + 1});
    }
  } catch (const YAML::Exception& e) {
    throw Error(fmt::format("{}:{}:{}: invalid YAML: {}", source, e.mark.line + 1, e.mark.column + 1, e.msg));
  }
  return docs;
}

nlohmann::json parse(std::string_view text, const std::string& source) {
  auto docs = parse_all(text, source);
  if (docs.empty()) {
    return nlohmann::json::object();
  }
  if (docs.size() > 1) {
    throw Error(fmt::format("{}: expected one YAML document, found {}", source, docs.size()));
  }
  return std::move(docs.front().value);
}

std::string dump(const nlohmann::json& value) {
  std::string out;
  if (is_empty_collection(value)) {
    return value.is_object() ? "{}\n" : "[]\n";
  }
  emit(out, value, 0);
  return out;
}

std::string dump_all(const std::vector<nlohmann::json>& values) {
  std::string out;
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) {
      out += "---\n";
    }
    out += dump(values[i]);
  }
  return out;
}

}  // namespace grpcmesh::yaml
