#include "core/util/yaml.hpp"

#include <fmt/format.h>
#include <yaml.h>

#include <array>
#include <charconv>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>

#include "core/util/error.hpp"

namespace grpcmesh::yaml {
namespace {

// YAML 1.1 booleans, as go-yaml v2 (and therefore kubectl) resolves them.
constexpr std::array<std::string_view, 11> kTrue = {"y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"};
constexpr std::array<std::string_view, 11> kFalse = {"n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"};
constexpr std::array<std::string_view, 5> kNull = {"", "~", "null", "Null", "NULL"};

template <typename Array>
bool one_of(const Array& words, std::string_view s) {
  for (std::string_view w : words) {
    if (w == s) {
      return true;
    }
  }
  return false;
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_hex(char c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
bool is_octal(char c) { return c >= '0' && c <= '7'; }
bool is_binary(char c) { return c == '0' || c == '1'; }

// At least one character, each `ok` or '_'.
template <typename Pred>
bool all_of_or_underscore(std::string_view s, Pred ok) {
  if (s.empty()) {
    return false;
  }
  for (char c : s) {
    if (c != '_' && !ok(c)) {
      return false;
    }
  }
  return true;
}

std::string_view without_sign(std::string_view s) {
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    s.remove_prefix(1);
  }
  return s;
}

// go-yaml v2's YAML 1.1 integers: [-+]?(0|[1-9][0-9_]*), [-+]?0x[0-9a-fA-F_]+,
// [-+]?0o?[0-7_]+ and [-+]?0b[01_]+.
bool looks_like_int(std::string_view s) {
  std::string_view b = without_sign(s);
  if (b.empty() || !is_digit(b[0])) {
    return false;
  }
  if (b[0] != '0') {
    return all_of_or_underscore(b.substr(1), is_digit) || b.size() == 1;
  }
  if (b.size() == 1) {
    return true;
  }
  if (b[1] == 'x') {
    return all_of_or_underscore(b.substr(2), is_hex);
  }
  if (b[1] == 'b') {
    return all_of_or_underscore(b.substr(2), is_binary);
  }
  return all_of_or_underscore(b.substr(b[1] == 'o' ? 2 : 1), is_octal);
}

// YAML 1.1 floats: [-+]?([0-9][0-9_]*)?\.[0-9_]*([eE][-+]?[0-9]+)?,
// [-+]?[0-9][0-9_]*[eE][-+]?[0-9]+, [-+]?\.(inf|Inf|INF) and \.(nan|NaN|NAN).
// A float has a digit, or is .inf/.nan: "." and "-." are plain strings (as in go-yaml).
bool looks_like_float(std::string_view s) {
  std::string_view b = without_sign(s);
  if (b == ".inf" || b == ".Inf" || b == ".INF") {
    return true;
  }
  if (s == ".nan" || s == ".NaN" || s == ".NAN") {
    return true;
  }
  size_t i = 0;
  bool digits = false;
  if (i < b.size() && is_digit(b[i])) {
    digits = true;
    while (i < b.size() && (is_digit(b[i]) || b[i] == '_')) {
      ++i;
    }
  }
  bool dot = i < b.size() && b[i] == '.';
  if (dot) {
    ++i;
    while (i < b.size() && (is_digit(b[i]) || b[i] == '_')) {
      digits = digits || is_digit(b[i]);
      ++i;
    }
  } else if (!digits) {
    return false;
  }
  if (i < b.size() && (b[i] == 'e' || b[i] == 'E')) {
    ++i;
    if (i < b.size() && (b[i] == '-' || b[i] == '+')) {
      ++i;
    }
    size_t start = i;
    while (i < b.size() && is_digit(b[i])) {
      ++i;
    }
    if (i == start) {
      return false;
    }
    digits = true;
  } else if (!dot) {
    return false;  // digits alone are an integer (or a string)
  }
  return i == b.size() && digits;
}

// A plain scalar resolved as YAML 1.1 (go-yaml v2) does.
struct Resolved {
  enum class Type { Null, Bool, Int, Uint, Float, String } type = Type::String;
  bool boolean = false;
  std::int64_t integer = 0;
  std::uint64_t unsigned_integer = 0;
  double number = 0;
};

std::string without_underscores(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    if (c != '_') {
      out += c;
    }
  }
  return out;
}

Resolved resolve_plain(std::string_view s) {
  using T = Resolved::Type;
  Resolved r;
  // Most scalars (names, hosts, paths) start with a letter no special value
  // starts with: decided on the first character.
  if (!s.empty()) {
    char c = s[0];
    bool maybe_special = is_digit(c) || c == '-' || c == '+' || c == '.' || c == '~' || c == 'n' || c == 'N' ||
                         c == 'y' || c == 'Y' || c == 't' || c == 'T' || c == 'f' || c == 'F' || c == 'o' || c == 'O';
    if (!maybe_special) {
      return r;
    }
  }
  if (one_of(kNull, s)) {
    r.type = T::Null;
    return r;
  }
  if (one_of(kTrue, s) || one_of(kFalse, s)) {
    r.type = T::Bool;
    r.boolean = one_of(kTrue, s);
    return r;
  }
  if (looks_like_int(s)) {
    std::string digits = without_underscores(s);
    bool negative = digits[0] == '-';
    std::string_view body = without_sign(digits);
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
        r.type = T::Int;
        r.integer = static_cast<std::int64_t>(0 - v);
      } else if (!negative && v <= static_cast<std::uint64_t>(INT64_MAX)) {
        r.type = T::Int;
        r.integer = static_cast<std::int64_t>(v);
      } else if (!negative) {
        r.type = T::Uint;
        r.unsigned_integer = v;
      }
    }
    return r;  // out of range: keep the text, as go-yaml does
  }
  if (looks_like_float(s)) {
    if (s.find_first_of("iInN") != std::string_view::npos) {
      return r;  // JSON has no infinities or NaN: keep the text
    }
    std::string t = without_underscores(s);
    std::string_view body = t[0] == '+' ? std::string_view(t).substr(1) : std::string_view(t);
    double v = 0;
    auto [ptr, ec] = std::from_chars(body.data(), body.data() + body.size(), v);
    if (ec == std::errc() && ptr == body.data() + body.size()) {
      r.type = T::Float;
      r.number = v;
    }
    return r;
  }
  return r;
}

enum class Op { BeginObject, EndObject, BeginArray, EndArray, Scalar };

// One parse event, viewing the parser's buffers.
struct Event {
  Op op;
  std::string_view text;  // scalars
  bool resolve = false;   // a plain, untagged scalar (else always a string)
  int line = 0;
};

// One parse event kept for replay: what an anchored node consists of.
struct Recorded {
  Op op;
  std::string text;
  bool resolve = false;
  int line = 0;
  Event view() const { return {op, text, resolve, line}; }
};

class EventParser {
 public:
  // `line_offset`: lines before `text` in the source (it may be a part of it).
  EventParser(std::string_view text, const std::string& source, Handler& handler, int line_offset = 0)
      : source_(source), handler_(handler), line_offset_(line_offset) {
    yaml_parser_initialize(&parser_);
    yaml_parser_set_input_string(&parser_, reinterpret_cast<const unsigned char*>(text.data()), text.size());
  }
  ~EventParser() { yaml_parser_delete(&parser_); }
  EventParser(const EventParser&) = delete;
  EventParser& operator=(const EventParser&) = delete;

  void run() {
    for (;;) {
      yaml_event_t event;
      if (!yaml_parser_parse(&parser_, &event)) {
        fail();
      }
      std::unique_ptr<yaml_event_t, decltype(&yaml_event_delete)> guard(&event, yaml_event_delete);
      switch (event.type) {
        case YAML_STREAM_END_EVENT:
          return;
        case YAML_DOCUMENT_START_EVENT:
          in_document_ = false;
          anchors_.clear();
          break;
        case YAML_DOCUMENT_END_EVENT:
          if (in_document_) {
            handler_.end_document();
          }
          break;
        case YAML_ALIAS_EVENT:
          replay(event);
          break;
        case YAML_SCALAR_EVENT: {
          const auto& sc = event.data.scalar;
          start_anchor(sc.anchor);
          const char* tag = reinterpret_cast<const char*>(sc.tag);
          bool as_string = sc.style != YAML_PLAIN_SCALAR_STYLE ||
                           (tag != nullptr && (std::string_view(tag) == "!" ||
                                               std::string_view(tag) == "tag:yaml.org,2002:str"));
          on({Op::Scalar, std::string_view(reinterpret_cast<const char*>(sc.value), sc.length), !as_string,
              line(event)});
          break;
        }
        case YAML_SEQUENCE_START_EVENT:
          start_anchor(event.data.sequence_start.anchor);
          on({Op::BeginArray, {}, false, line(event)});
          break;
        case YAML_SEQUENCE_END_EVENT:
          on({Op::EndArray, {}, false, line(event)});
          break;
        case YAML_MAPPING_START_EVENT:
          start_anchor(event.data.mapping_start.anchor);
          on({Op::BeginObject, {}, false, line(event)});
          break;
        case YAML_MAPPING_END_EVENT:
          on({Op::EndObject, {}, false, line(event)});
          break;
        default:
          break;
      }
    }
  }

 private:
  struct Frame {
    bool object;
    bool expect_key;
  };
  struct Recording {
    std::string anchor;
    size_t depth;  // the depth the anchored node starts at
    std::vector<Recorded> events;
  };

  int line(const yaml_event_t& e) const { return static_cast<int>(e.start_mark.line) + 1 + line_offset_; }

  [[noreturn]] void fail() {
    const yaml_mark_t& m = parser_.problem_mark;
    std::string context = parser_.context != nullptr ? fmt::format(" ({})", parser_.context) : "";
    throw Error(fmt::format("{}:{}:{}: invalid YAML: {}{}", source_, m.line + 1 + line_offset_, m.column + 1,
                            parser_.problem != nullptr ? parser_.problem : "unreadable input", context));
  }

  void start_anchor(const unsigned char* anchor) {
    if (anchor != nullptr) {
      recordings_.push_back({reinterpret_cast<const char*>(anchor), frames_.size(), {}});
    }
  }

  void replay(const yaml_event_t& event) {
    auto it = anchors_.find(reinterpret_cast<const char*>(event.data.alias.anchor));
    if (it == anchors_.end()) {
      throw Error(fmt::format("{}:{}: invalid YAML: unknown anchor \"{}\"; define it with & before using it with *",
                              source_, line(event), reinterpret_cast<const char*>(event.data.alias.anchor)));
    }
    std::vector<Recorded> events = it->second;  // (on() may redefine the anchor)
    for (const Recorded& r : events) {
      on(r.view());
    }
  }

  // One node event: to the handler, and to every anchor being recorded.
  void on(const Event& r) {
    for (Recording& rec : recordings_) {
      rec.events.push_back({r.op, std::string(r.text), r.resolve, r.line});
    }
    if (!in_document_) {
      in_document_ = true;
      handler_.begin_document(r.line);
    }
    bool is_key = !frames_.empty() && frames_.back().object && frames_.back().expect_key;
    switch (r.op) {
      case Op::Scalar:
        if (is_key) {
          handler_.key(r.text);
          frames_.back().expect_key = false;
        } else {
          scalar(r);
          value_done();
        }
        break;
      case Op::BeginObject:
      case Op::BeginArray:
        if (is_key) {
          throw Error(fmt::format("{}:{}: mapping keys must be strings", source_, r.line));
        }
        if (r.op == Op::BeginObject) {
          handler_.begin_object(r.line);
          frames_.push_back({true, true});
        } else {
          handler_.begin_array();
          frames_.push_back({false, false});
        }
        break;
      case Op::EndObject:
      case Op::EndArray:
        frames_.pop_back();
        if (r.op == Op::EndObject) {
          handler_.end_object();
        } else {
          handler_.end_array();
        }
        value_done();
        break;
    }
    // An anchored node is complete when the depth is back where it started.
    while (!recordings_.empty() && recordings_.back().depth == frames_.size() &&
           !recordings_.back().events.empty()) {
      Recording done = std::move(recordings_.back());
      recordings_.pop_back();
      anchors_[done.anchor] = std::move(done.events);
    }
  }

  void value_done() {
    if (!frames_.empty() && frames_.back().object) {
      frames_.back().expect_key = true;
    }
  }

  void scalar(const Event& r) {
    if (!r.resolve) {
      handler_.string(r.text);
      return;
    }
    Resolved v = resolve_plain(r.text);
    switch (v.type) {
      case Resolved::Type::Null: handler_.null_value(); break;
      case Resolved::Type::Bool: handler_.boolean(v.boolean); break;
      case Resolved::Type::Int: handler_.integer(v.integer); break;
      case Resolved::Type::Uint: handler_.unsigned_integer(v.unsigned_integer); break;
      case Resolved::Type::Float: handler_.number(v.number); break;
      case Resolved::Type::String: handler_.string(r.text); break;
    }
  }

  yaml_parser_t parser_;
  const std::string& source_;
  Handler& handler_;
  int line_offset_ = 0;
  bool in_document_ = false;
  std::vector<Frame> frames_;
  std::vector<Recording> recordings_;
  std::map<std::string, std::vector<Recorded>> anchors_;
};

// --- JSON documents ------------------------------------------------------------------

// A JSON reader: with a handler it streams the value's events; without one
// it only checks that the text is exactly one JSON value with white space
// around it. Files' documents are checked first, so that YAML which merely
// starts like JSON ({a: b}) goes to the YAML parser before any event.
// Strings without escapes are handed over in place.
class JsonReader {
 public:
  JsonReader(std::string_view s, Handler* handler, int line) : s_(s), h_(handler), line_(line) {}

  // Throws nothing: false when the text is not JSON (error() says where).
  bool read() {
    ws();
    if (!value(0)) {
      return false;
    }
    ws();
    return i_ == s_.size() || fail("text after the JSON value");
  }
  std::string error() const { return fmt::format("{} (at byte {})", error_, i_); }

 private:
  static constexpr int kMaxDepth = 512;

  bool fail(const char* what) {
    error_ = what;
    return false;
  }
  bool at(char c) const { return i_ < s_.size() && s_[i_] == c; }
  void ws() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r')) {
      ++i_;
    }
  }
  bool literal(std::string_view word) {
    if (s_.substr(i_, word.size()) != word) {
      return fail("not a JSON value");
    }
    i_ += word.size();
    return true;
  }
  bool digits() {
    size_t start = i_;
    while (i_ < s_.size() && is_digit(s_[i_])) {
      ++i_;
    }
    return i_ > start;
  }
  bool number() {
    size_t start = i_;
    bool integral = true;
    if (at('-')) {
      ++i_;
    }
    if (at('0')) {
      ++i_;
    } else if (!digits()) {
      return fail("not a JSON value");
    }
    if (at('.')) {
      ++i_;
      integral = false;
      if (!digits()) {
        return fail("a number needs digits after its '.'");
      }
    }
    if (at('e') || at('E')) {
      ++i_;
      integral = false;
      if (at('+') || at('-')) {
        ++i_;
      }
      if (!digits()) {
        return fail("a number needs digits in its exponent");
      }
    }
    if (h_ == nullptr) {
      return true;
    }
    const char* first = s_.data() + start;
    const char* last = s_.data() + i_;
    if (integral) {
      std::int64_t v = 0;
      if (auto r = std::from_chars(first, last, v); r.ec == std::errc() && r.ptr == last) {
        h_->integer(v);
        return true;
      }
      std::uint64_t u = 0;
      if (auto r = std::from_chars(first, last, u); r.ec == std::errc() && r.ptr == last) {
        h_->unsigned_integer(u);
        return true;
      }
    }
    double d = 0;
    if (auto r = std::from_chars(first, last, d); r.ec != std::errc() || r.ptr != last) {
      return fail("a number out of range");
    }
    h_->number(d);
    return true;
  }
  static void put_utf8(std::string& out, std::uint32_t cp) {
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xC0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xE0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (cp >> 18));
      out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }
  bool hex4(std::uint32_t& v) {
    v = 0;
    for (int k = 0; k < 4; ++k, ++i_) {
      if (i_ >= s_.size() || !is_hex(s_[i_])) {
        return fail("\\u needs four hex digits");
      }
      char c = s_[i_];
      v = v * 16 + static_cast<std::uint32_t>(is_digit(c) ? c - '0' : (c | 0x20) - 'a' + 10);
    }
    return true;
  }
  // A UTF-8 sequence starting at i_ (a byte >= 0x80): well formed or not.
  bool utf8() {
    unsigned char c = static_cast<unsigned char>(s_[i_]);
    int more = c >= 0xF0 && c <= 0xF4 ? 3 : c >= 0xE0 ? 2 : c >= 0xC2 && c < 0xE0 ? 1 : -1;
    if (more < 0 || i_ + static_cast<size_t>(more) >= s_.size() + 0) {
      return fail("invalid UTF-8");
    }
    for (int k = 1; k <= more; ++k) {
      if ((static_cast<unsigned char>(s_[i_ + k]) & 0xC0) != 0x80) {
        return fail("invalid UTF-8");
      }
    }
    i_ += static_cast<size_t>(more) + 1;
    return true;
  }
  // A string at i_ (on its opening quote); its text in `out` (a view of the
  // input when it has no escapes, else decoded into buffer_).
  bool string(std::string_view& out) {
    size_t start = ++i_;
    bool escaped = false;
    buffer_.clear();
    while (i_ < s_.size()) {
      unsigned char c = static_cast<unsigned char>(s_[i_]);
      if (c == '"') {
        if (!escaped) {
          out = s_.substr(start, i_ - start);
        } else {
          out = buffer_;
        }
        ++i_;
        return true;
      }
      if (c < 0x20) {
        return fail("a control character in a string");
      }
      if (c == '\\') {
        if (!escaped) {
          buffer_.assign(s_.substr(start, i_ - start));
          escaped = true;
        }
        if (++i_ >= s_.size()) {
          break;
        }
        char e = s_[i_++];
        switch (e) {
          case '"': buffer_ += '"'; break;
          case '\\': buffer_ += '\\'; break;
          case '/': buffer_ += '/'; break;
          case 'b': buffer_ += '\b'; break;
          case 'f': buffer_ += '\f'; break;
          case 'n': buffer_ += '\n'; break;
          case 'r': buffer_ += '\r'; break;
          case 't': buffer_ += '\t'; break;
          case 'u': {
            std::uint32_t cp = 0;
            if (!hex4(cp)) {
              return false;
            }
            if (cp >= 0xD800 && cp < 0xDC00) {  // a surrogate pair
              std::uint32_t low = 0;
              if (s_.substr(i_, 2) != "\\u" || (i_ += 2, !hex4(low)) || low < 0xDC00 || low > 0xDFFF) {
                return fail("an unpaired surrogate in \\u escapes");
              }
              cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
            } else if (cp >= 0xDC00 && cp < 0xE000) {
              return fail("an unpaired surrogate in \\u escapes");
            }
            put_utf8(buffer_, cp);
            break;
          }
          default: return fail("an invalid escape in a string");
        }
        continue;
      }
      size_t from = i_;
      if (c >= 0x80) {
        if (!utf8()) {
          return false;
        }
      } else {
        ++i_;
      }
      if (escaped) {
        buffer_.append(s_.substr(from, i_ - from));
      }
    }
    return fail("a string without its closing quote");
  }
  bool value(int depth) {
    if (depth > kMaxDepth) {
      return fail("nested too deeply");
    }
    if (i_ >= s_.size()) {
      return fail("a value is missing");
    }
    char c = s_[i_];
    if (c == '{' || c == '[') {
      bool object = c == '{';
      char close = object ? '}' : ']';
      if (h_ != nullptr) {
        object ? h_->begin_object(line_) : h_->begin_array();
      }
      ++i_;
      ws();
      if (at(close)) {
        ++i_;
        if (h_ != nullptr) {
          object ? h_->end_object() : h_->end_array();
        }
        return true;
      }
      for (;;) {
        if (object) {
          std::string_view key;
          if (!at('"')) {
            return fail("an object key must be a string");
          }
          if (!string(key)) {
            return false;
          }
          if (h_ != nullptr) {
            h_->key(key);
          }
          ws();
          if (!at(':')) {
            return fail("':' expected after an object key");
          }
          ++i_;
          ws();
        }
        if (!value(depth + 1)) {
          return false;
        }
        ws();
        if (at(',')) {
          ++i_;
          ws();
          continue;
        }
        if (!at(close)) {
          return fail(object ? "',' or '}' expected" : "',' or ']' expected");
        }
        ++i_;
        if (h_ != nullptr) {
          object ? h_->end_object() : h_->end_array();
        }
        return true;
      }
    }
    if (c == '"') {
      std::string_view text;
      if (!string(text)) {
        return false;
      }
      if (h_ != nullptr) {
        h_->string(text);
      }
      return true;
    }
    if (c == 't' || c == 'f') {
      bool v = c == 't';
      if (!literal(v ? "true" : "false")) {
        return false;
      }
      if (h_ != nullptr) {
        h_->boolean(v);
      }
      return true;
    }
    if (c == 'n') {
      if (!literal("null")) {
        return false;
      }
      if (h_ != nullptr) {
        h_->null_value();
      }
      return true;
    }
    return number();
  }

  std::string_view s_;
  Handler* h_;
  int line_;
  size_t i_ = 0;
  std::string buffer_;
  const char* error_ = "";
};

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r'; }

// "---" alone (or with white space or a comment) on its line.
bool bare_marker(std::string_view line) {
  if (!line.starts_with("---")) {
    return false;
  }
  size_t i = 3;
  while (i < line.size() && is_space(line[i])) {
    ++i;
  }
  return i == line.size() || (line[i] == '#' && i > 3);
}

// A line that starts a new document: "---" then nothing or white space.
bool marker(std::string_view line) { return line.starts_with("---") && (line.size() == 3 || is_space(line[3])); }

// A line with nothing but white space or a comment.
bool blank(std::string_view line) {
  size_t i = 0;
  while (i < line.size() && is_space(line[i])) {
    ++i;
  }
  return i == line.size() || line[i] == '#';
}

// Builds nlohmann::json documents from the events.
class JsonBuilder final : public Handler {
 public:
  explicit JsonBuilder(std::vector<Document>& out) : out_(out) {}

  void begin_document(int line) override {
    root_ = nlohmann::json();
    line_ = line;
    stack_.clear();
  }
  void end_document() override {
    if (!root_.is_null()) {
      out_.push_back({std::move(root_), line_});
    }
  }
  void begin_object(int) override { stack_.push_back(&place(nlohmann::json::object())); }
  void key(std::string_view key) override { key_ = key; }
  void end_object() override { stack_.pop_back(); }
  void begin_array() override { stack_.push_back(&place(nlohmann::json::array())); }
  void end_array() override { stack_.pop_back(); }
  void null_value() override { place(nullptr); }
  void boolean(bool v) override { place(v); }
  void integer(std::int64_t v) override { place(v); }
  void unsigned_integer(std::uint64_t v) override { place(v); }
  void number(double v) override { place(v); }
  void string(std::string_view v) override { place(std::string(v)); }

 private:
  nlohmann::json& place(nlohmann::json value) {
    if (stack_.empty()) {
      root_ = std::move(value);
      return root_;
    }
    nlohmann::json& parent = *stack_.back();
    if (parent.is_array()) {
      parent.push_back(std::move(value));
      return parent.back();
    }
    nlohmann::json& slot = parent[key_];
    slot = std::move(value);
    return slot;
  }

  std::vector<Document>& out_;
  nlohmann::json root_;
  int line_ = 1;
  std::vector<nlohmann::json*> stack_;
  std::string key_;
};

// --- emitting ---------------------------------------------------------------

bool needs_quotes(const std::string& s) {
  if (s.empty()) {
    return true;
  }
  if (resolve_plain(s).type != Resolved::Type::String) {
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

void parse_json_events(std::string_view text, const std::string& source, Handler& handler, int line) {
  handler.begin_document(line);
  JsonReader reader(text, &handler, line);
  if (!reader.read()) {
    throw Error(fmt::format("{}:{}: invalid JSON: {}", source, line, reader.error()));
  }
  handler.end_document();
}

void parse_events(std::string_view text, const std::string& source, Handler& handler) {
  // The stream is cut at its document markers. A document that is one JSON
  // object (as `kubectl get -o json` and most generators write them) goes to
  // the JSON parser, several times faster than libyaml and meaning the same
  // (JSON is YAML); runs of other documents go to libyaml, told which line
  // they start on.
  size_t yaml_begin = std::string_view::npos;
  int yaml_line = 1;
  auto flush_yaml = [&](size_t end) {
    if (yaml_begin != std::string_view::npos) {
      EventParser(text.substr(yaml_begin, end - yaml_begin), source, handler, yaml_line - 1).run();
      yaml_begin = std::string_view::npos;
    }
  };
  size_t pos = 0;
  int line = 1;
  bool directive = false;  // the last document was a directive (%YAML): the next belongs with it
  while (pos < text.size()) {
    // This document: from pos to the next marker line.
    size_t end = pos;
    int lines = 0;
    size_t json_start = std::string_view::npos;  // its first non-blank line, when that starts with '{'
    int json_line = 0;
    size_t json_end = pos;  // past its last non-blank line
    bool candidate = !directive;
    directive = false;
    for (bool first = true; end < text.size(); first = false) {
      size_t nl = text.find('\n', end);
      size_t next = nl == std::string_view::npos ? text.size() : nl + 1;
      std::string_view l = text.substr(end, (nl == std::string_view::npos ? text.size() : nl) - end);
      if (!first && marker(l)) {
        break;
      }
      if (first && l.starts_with("---")) {
        candidate = candidate && bare_marker(l);
      } else if (!blank(l)) {
        if (json_start == std::string_view::npos) {
          json_start = end;
          json_line = line + lines;
          candidate = candidate && l.starts_with('{');
          directive = l.starts_with('%');
        }
        json_end = next;
      }
      end = next;
      ++lines;
    }
    std::string_view json = json_start == std::string_view::npos
                                ? std::string_view()
                                : text.substr(json_start, json_end - json_start);
    if (candidate && !json.empty() && JsonReader(json, nullptr, json_line).read()) {
      flush_yaml(pos);
      parse_json_events(json, source, handler, json_line);
    } else if (yaml_begin == std::string_view::npos) {
      yaml_begin = pos;
      yaml_line = line;
    }
    pos = end;
    line += lines;
  }
  flush_yaml(text.size());
}

std::vector<Document> parse_all(std::string_view text, const std::string& source) {
  std::vector<Document> docs;
  JsonBuilder builder(docs);
  parse_events(text, source, builder);
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
