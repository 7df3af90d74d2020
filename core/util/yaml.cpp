#include "core/util/yaml.hpp"

#include <fmt/format.h>
#include <yaml.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
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
std::string_view without_sign(std::string_view s) {
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    s.remove_prefix(1);
  }
  return s;
}

// --- scalars ------------------------------------------------------------------
//
// kubectl reads YAML with sigs.k8s.io/yaml: go-yaml v2 (go.yaml.in/yaml/v2
// v2.4.4, resolve.go and decode.go) unmarshals each document into interface{}
// values, convertToJSONableObject (sigs.k8s.io/yaml yaml.go) turns map keys into
// strings, json.Marshal writes JSON, and k8s.io/apimachinery/pkg/util/json
// reads it back, a number as an int64 when it is one, else a float64. What
// follows reproduces that chain for one scalar.

constexpr std::string_view kTagPrefix = "tag:yaml.org,2002:";

// The Go value go-yaml's resolve() returns for a scalar (its tag follows from it).
struct Resolved {
  enum class Type { Null, Bool, Int, Uint, Float, String, Timestamp } type = Type::String;
  bool boolean = false;
  std::int64_t integer = 0;
  std::uint64_t unsigned_integer = 0;
  double number = 0;
};

const char* short_tag(Resolved::Type t) {
  switch (t) {
    case Resolved::Type::Null: return "!!null";
    case Resolved::Type::Bool: return "!!bool";
    case Resolved::Type::Int:
    case Resolved::Type::Uint: return "!!int";
    case Resolved::Type::Float: return "!!float";
    case Resolved::Type::Timestamp: return "!!timestamp";
    case Resolved::Type::String: break;
  }
  return "!!str";
}

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

enum class ParseResult { Ok, Syntax, Range };

int digit_value(char c) {
  if (is_digit(c)) {
    return c - '0';
  }
  char l = static_cast<char>(c | 0x20);
  return l >= 'a' && l <= 'z' ? l - 'a' + 10 : 99;
}

// Go's strconv.ParseUint(s, base, 64); base 0 reads the 0x/0X, 0b/0B, 0o/0O
// and 0 prefixes (strconv/atoi.go). Underscores are gone already.
ParseResult go_parse_uint(std::string_view s, int base, std::uint64_t& out) {
  if (s.empty()) {
    return ParseResult::Syntax;
  }
  if (base == 0) {
    base = 10;
    if (s[0] == '0') {
      char l = s.size() >= 3 ? static_cast<char>(s[1] | 0x20) : '\0';
      if (l == 'b' || l == 'o' || l == 'x') {
        base = l == 'b' ? 2 : l == 'o' ? 8 : 16;
        s.remove_prefix(2);
      } else {
        base = 8;
        s.remove_prefix(1);
      }
    }
  }
  std::uint64_t v = 0;
  bool range = false;
  for (char c : s) {
    int d = digit_value(c);
    if (d >= base) {
      return ParseResult::Syntax;
    }
    std::uint64_t next = 0;
    if (range || __builtin_mul_overflow(v, static_cast<std::uint64_t>(base), &next) ||
        __builtin_add_overflow(next, static_cast<std::uint64_t>(d), &next)) {
      range = true;
    } else {
      v = next;
    }
  }
  out = v;
  return range ? ParseResult::Range : ParseResult::Ok;
}

// Go's strconv.ParseInt(s, base, 64).
ParseResult go_parse_int(std::string_view s, int base, std::int64_t& out) {
  bool negative = false;
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  std::uint64_t u = 0;
  ParseResult r = go_parse_uint(s, base, u);
  if (r != ParseResult::Ok) {
    return r;
  }
  std::uint64_t limit = static_cast<std::uint64_t>(INT64_MAX) + (negative ? 1 : 0);
  if (u > limit) {
    return ParseResult::Range;
  }
  out = negative ? static_cast<std::int64_t>(0 - u) : static_cast<std::int64_t>(u);
  return ParseResult::Ok;
}

// go-yaml's yamlStyleFloat: ^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$
bool yaml_style_float(std::string_view s) {
  size_t i = 0;
  if (i < s.size() && (s[i] == '-' || s[i] == '+')) {
    ++i;
  }
  size_t int_start = i;
  while (i < s.size() && is_digit(s[i])) {
    ++i;
  }
  bool int_digits = i > int_start;
  if (i < s.size() && s[i] == '.') {
    ++i;
    size_t frac_start = i;
    while (i < s.size() && is_digit(s[i])) {
      ++i;
    }
    if (!int_digits && i == frac_start) {
      return false;
    }
  } else if (!int_digits) {
    return false;
  }
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '-' || s[i] == '+')) {
      ++i;
    }
    size_t exp_start = i;
    while (i < s.size() && is_digit(s[i])) {
      ++i;
    }
    if (i == exp_start) {
      return false;
    }
  }
  return i == s.size();
}

// Go's strconv.ParseFloat(s, 64) on a decimal float that yaml_style_float
// accepted (or ".digits[e..]"): nullopt when it overflows (Go's ErrRange);
// an underflow is zero, as in Go.
std::optional<double> go_parse_float(std::string_view s) {
  std::string_view body = !s.empty() && s[0] == '+' ? s.substr(1) : s;
  double v = 0;
  auto [ptr, ec] = std::from_chars(body.data(), body.data() + body.size(), v);
  if (ptr != body.data() + body.size()) {
    return std::nullopt;
  }
  if (ec == std::errc::result_out_of_range) {
    size_t e = body.find_first_of("eE");
    if (e == std::string_view::npos || e + 1 >= body.size() || body[e + 1] != '-') {
      return std::nullopt;  // too large
    }
    return body[0] == '-' ? -0.0 : 0.0;
  }
  if (ec != std::errc()) {
    return std::nullopt;
  }
  return v;
}

// go-yaml's parseTimestamp: the layouts "2006-1-2T15:4:5.999999999Z07:00"
// (also with 't'), "2006-1-2 15:4:5.999999999" and "2006-1-2", read as Go's
// time.Parse reads them (time/format.go).
bool is_timestamp(std::string_view s) {
  size_t i = 0;
  auto number = [&](size_t min_digits, size_t max_digits, int& out) {
    size_t start = i;
    out = 0;
    while (i < s.size() && i - start < max_digits && is_digit(s[i])) {
      out = out * 10 + (s[i] - '0');
      ++i;
    }
    return i - start >= min_digits;
  };
  auto literal = [&](char c) {
    if (i < s.size() && s[i] == c) {
      ++i;
      return true;
    }
    return false;
  };
  int year = 0;
  int month = 0;
  int day = 0;
  if (!number(4, 4, year) || !literal('-') || !number(1, 2, month) || !literal('-') || !number(1, 2, day)) {
    return false;
  }
  static constexpr std::array<int, 12> kDays = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
  if (month < 1 || month > 12 || day < 1 || day > kDays[static_cast<size_t>(month - 1)] + (month == 2 && leap ? 1 : 0)) {
    return false;
  }
  if (i == s.size()) {
    return true;
  }
  char sep = s[i++];
  if (sep != 'T' && sep != 't' && sep != ' ') {
    return false;
  }
  int hour = 0;
  int minute = 0;
  int second = 0;
  if (!number(1, 2, hour) || !literal(':') || !number(1, 2, minute) || !literal(':') || !number(1, 2, second) ||
      hour > 23 || minute > 59 || second > 59) {
    return false;
  }
  if (i + 1 < s.size() && (s[i] == '.' || s[i] == ',') && is_digit(s[i + 1])) {
    ++i;
    while (i < s.size() && is_digit(s[i])) {
      ++i;
    }
  }
  if (sep == ' ') {
    return i == s.size();
  }
  if (literal('Z')) {
    return i == s.size();
  }
  // ±hh:mm: Go accepts hours up to 24 and minutes up to 60 here.
  if (s.size() - i != 6 || (s[i] != '+' && s[i] != '-') || s[i + 3] != ':' || !is_digit(s[i + 1]) ||
      !is_digit(s[i + 2]) || !is_digit(s[i + 4]) || !is_digit(s[i + 5])) {
    return false;
  }
  int oh = (s[i + 1] - '0') * 10 + (s[i + 2] - '0');
  int om = (s[i + 4] - '0') * 10 + (s[i + 5] - '0');
  return oh <= 24 && om <= 60;
}

// go-yaml's resolve() for an untagged plain scalar, or one tagged !!bool,
// !!int, !!float, !!null or !!timestamp (`timestamps` false for the last
// three: go-yaml tries a timestamp only untagged or with !!timestamp).
// go-yaml's resolveTable: what the first character says a scalar may be.
constexpr std::array<char, 256> kHints = [] {
  std::array<char, 256> t{};
  t['+'] = t['-'] = 'S';  // a sign
  for (char c = '0'; c <= '9'; ++c) {
    t[static_cast<unsigned char>(c)] = 'D';
  }
  for (char c : std::string_view("yYnNtTfFoO~")) {
    t[static_cast<unsigned char>(c)] = 'M';  // a word of the table below
  }
  t['.'] = '.';
  return t;
}();

Resolved resolve_go(std::string_view in, bool timestamps) {
  using T = Resolved::Type;
  Resolved r;
  char hint = in.empty() ? 'M' : kHints[static_cast<unsigned char>(in[0])];
  // Most scalars (names, hosts, paths) are decided here: no special word is
  // longer than five characters.
  if (hint == 0 || (hint == 'M' && in.size() > 5)) {
    return r;
  }
  if (hint == 'M') {
    if (one_of(kNull, in)) {
      r.type = T::Null;
    } else if (one_of(kTrue, in) || one_of(kFalse, in)) {
      r.type = T::Bool;
      r.boolean = one_of(kTrue, in);
    }
    return r;
  }
  std::string_view unsigned_in = without_sign(in);
  if (hint != 'D' && (unsigned_in == ".inf" || unsigned_in == ".Inf" || unsigned_in == ".INF")) {
    r.type = T::Float;
    r.number = in[0] == '-' ? -HUGE_VAL : HUGE_VAL;
    return r;
  }
  if (in == ".nan" || in == ".NaN" || in == ".NAN") {
    r.type = T::Float;
    r.number = std::numeric_limits<double>::quiet_NaN();
    return r;
  }
  if (hint == '.') {
    // strconv.ParseFloat: ".digits" with an optional exponent (no underscores).
    if (in.size() > 1 && is_digit(in[1]) && yaml_style_float(in)) {
      if (auto v = go_parse_float(in)) {
        r.type = T::Float;
        r.number = *v;
      }
    }
    return r;
  }
  if (timestamps && is_timestamp(in)) {
    r.type = T::Timestamp;
    return r;
  }
  std::string buffer;
  std::string_view plain = in;
  if (in.find('_') != std::string_view::npos) {
    buffer = without_underscores(in);
    plain = buffer;
  }
  if (go_parse_int(plain, 0, r.integer) == ParseResult::Ok) {
    r.type = T::Int;
    return r;
  }
  if (go_parse_uint(plain, 0, r.unsigned_integer) == ParseResult::Ok) {
    r.type = T::Uint;
    return r;
  }
  if (yaml_style_float(plain)) {
    if (auto v = go_parse_float(plain)) {
      r.type = T::Float;
      r.number = *v;
      return r;
    }
  }
  // go-yaml's fallbacks for "0b" and "-0b" (which also read "0b-101" as -5).
  std::string_view p = plain;
  if (p.starts_with("0b")) {
    if (go_parse_int(p.substr(2), 2, r.integer) == ParseResult::Ok) {
      r.type = T::Int;
    } else if (go_parse_uint(p.substr(2), 2, r.unsigned_integer) == ParseResult::Ok) {
      r.type = T::Uint;
    }
  } else if (p.starts_with("-0b")) {
    if (go_parse_int("-" + std::string(p.substr(3)), 2, r.integer) == ParseResult::Ok) {
      r.type = T::Int;
    }
  }
  return r;
}

// An untagged plain scalar.
Resolved resolve_plain(std::string_view s) { return resolve_go(s, true); }

// The UTF-8 sequence at in[i] (a byte >= 0x80), by Unicode's table of
// well-formed byte sequences (no overlong form, surrogate or code point past
// U+10FFFF): `width` is its length when it is well formed, else 0; `prefix`
// is the length of its maximal subpart, the bytes that could still begin a
// well-formed sequence (at least 1).
struct Utf8Sequence {
  size_t width;
  size_t prefix;
};
Utf8Sequence utf8_sequence(std::string_view in, size_t i) {
  auto byte = [&](size_t k) { return k < in.size() ? static_cast<unsigned char>(in[k]) : 0u; };
  const unsigned c = byte(i);
  size_t need = 0;
  unsigned lo = 0x80;
  unsigned hi = 0xBF;
  if (c >= 0xC2 && c <= 0xDF) {
    need = 1;
  } else if (c >= 0xE0 && c <= 0xEF) {
    need = 2;
    lo = c == 0xE0 ? 0xA0 : 0x80;
    hi = c == 0xED ? 0x9F : 0xBF;
  } else if (c >= 0xF0 && c <= 0xF4) {
    need = 3;
    lo = c == 0xF0 ? 0x90 : 0x80;
    hi = c == 0xF4 ? 0x8F : 0xBF;
  } else {
    return {0, 1};
  }
  for (size_t k = 1; k <= need; ++k) {
    const unsigned b = byte(i + k);  // 0 past the end: never a continuation byte
    if (b < lo || b > hi) {
      return {0, k};
    }
    lo = 0x80;
    hi = 0xBF;
  }
  return {need + 1, need + 1};
}

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD
constexpr std::uint64_t kHighBits = 0x8080808080808080;  // of eight bytes: one set is not ASCII

// The bytes as Go's encoding/json writes a string: each byte that does not
// start a well-formed UTF-8 sequence (utf8.DecodeRuneInString's RuneError,
// width 1: a stray continuation byte, an overlong form, a surrogate, a code
// point past U+10FFFF, each byte of a cut sequence) becomes U+FFFD. kubectl's
// YAML-to-JSON marshals a !!binary value this way; libyaml lets no other
// invalid UTF-8 through.
std::string go_json_utf8(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  size_t i = 0;
  while (i < in.size()) {
    const size_t width = static_cast<unsigned char>(in[i]) < 0x80 ? 1 : utf8_sequence(in, i).width;
    if (width == 0) {
      out += kReplacement;
      ++i;
    } else {
      out.append(in.substr(i, width));
      i += width;
    }
  }
  return out;
}

// Go's encoding/base64 StdEncoding.DecodeString, which skips '\r' and '\n'.
std::optional<std::string> go_base64_decode(std::string_view in) {
  std::string s;
  for (char c : in) {
    if (c != '\r' && c != '\n') {
      s += c;
    }
  }
  if (s.size() % 4 != 0) {
    return std::nullopt;
  }
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') {
      return c - 'A';
    }
    if (c >= 'a' && c <= 'z') {
      return c - 'a' + 26;
    }
    if (is_digit(c)) {
      return c - '0' + 52;
    }
    return c == '+' ? 62 : c == '/' ? 63 : -1;
  };
  std::string out;
  for (size_t i = 0; i < s.size(); i += 4) {
    bool last = i + 4 == s.size();
    int pad = 0;
    std::uint32_t group = 0;
    for (size_t k = 0; k < 4; ++k) {
      char c = s[i + k];
      int v = value(c);
      if (c == '=' && last && k >= 2 && (k == 3 || s[i + 3] == '=')) {
        ++pad;
        v = 0;
      } else if (v < 0 || pad > 0) {
        return std::nullopt;
      }
      group = group << 6 | static_cast<std::uint32_t>(v);
    }
    out += static_cast<char>(group >> 16);
    if (pad < 2) {
      out += static_cast<char>(group >> 8 & 0xFF);
    }
    if (pad < 1) {
      out += static_cast<char>(group & 0xFF);
    }
  }
  return out;
}

// encoding/json writes a float64 in its shortest form, without an exponent
// from 1e-6 to 1e21 (encode.go floatEncoder); sigs.k8s.io/json reads a number
// without '.' back as an int64 when ParseInt takes it (decode.go
// convertNumber). So an integral float comes back as the integer its shortest
// digits spell: 1e3 is 1000, -9223372036854775808.0 stays a float
// ("-9223372036854776000" overflows).
std::optional<std::int64_t> go_json_integer(double v) {
  double a = std::fabs(v);
  if (a != 0 && (a < 1e-6 || a >= 1e21)) {
    return std::nullopt;
  }
  std::array<char, 64> buf{};
  auto [end, ec] = std::to_chars(buf.data(), buf.data() + buf.size(), v, std::chars_format::scientific);
  std::string_view sci(buf.data(), static_cast<size_t>(end - buf.data()));
  size_t e = sci.find('e');
  int exp = 0;
  std::from_chars(sci.data() + e + (sci[e + 1] == '+' ? 2 : 1), sci.data() + sci.size(), exp);
  std::string digits;
  for (char c : sci.substr(0, e)) {
    if (c != '.') {
      digits += c;
    }
  }
  bool negative = digits.front() == '-';
  auto nd = static_cast<int>(digits.size()) - (negative ? 1 : 0);
  if (exp < nd - 1 && !(nd == 1 && digits.back() == '0')) {
    return std::nullopt;  // a fraction
  }
  if (exp >= 0) {
    digits.append(static_cast<size_t>(exp - (nd - 1)), '0');
  }
  std::int64_t out = 0;
  auto [ptr, ec2] = std::from_chars(digits.data(), digits.data() + digits.size(), out);
  if (ec2 != std::errc() || ptr != digits.data() + digits.size()) {
    return std::nullopt;
  }
  return out;
}

// Go's strconv.FormatFloat(v, 'g', -1, 32), with go-yaml's names for the
// infinities and NaN: how sigs.k8s.io/yaml writes a float map key.
std::string go_float32_key(double v) {
  auto f = static_cast<float>(v);
  if (std::isnan(f)) {
    return ".nan";
  }
  if (std::isinf(f)) {
    return f > 0 ? ".inf" : "-.inf";
  }
  std::array<char, 64> buf{};
  auto [end, ec] = std::to_chars(buf.data(), buf.data() + buf.size(), f, std::chars_format::scientific);
  std::string_view sci(buf.data(), static_cast<size_t>(end - buf.data()));
  bool negative = sci.front() == '-';
  if (negative) {
    sci.remove_prefix(1);
  }
  size_t e = sci.find('e');
  std::string digits;
  for (char c : sci.substr(0, e)) {
    if (c != '.') {
      digits += c;
    }
  }
  int exp = 0;
  std::from_chars(sci.data() + e + (sci[e + 1] == '+' ? 2 : 1), sci.data() + sci.size(), exp);
  auto nd = static_cast<int>(digits.size());
  std::string out = negative ? "-" : "";
  if (exp < -4 || exp >= 6) {
    out += digits[0];
    if (nd > 1) {
      out += '.';
      out += digits.substr(1);
    }
    out += fmt::format("e{}{:02}", exp < 0 ? '-' : '+', exp < 0 ? -exp : exp);
    return out;
  }
  int dp = exp + 1;
  auto digit_at = [&](int k) { return k >= 0 && k < nd ? digits[static_cast<size_t>(k)] : '0'; };
  if (dp > 0) {
    for (int k = 0; k < dp; ++k) {
      out += digit_at(k);
    }
  } else {
    out += '0';
  }
  int decimals = std::max(nd - dp, 0);
  if (decimals > 0) {
    out += '.';
    for (int k = 0; k < decimals; ++k) {
      out += digit_at(dp + k);
    }
  }
  return out;
}

// --- limits -------------------------------------------------------------------

// Nesting deeper than this is refused, as kubectl refuses it: go-yaml's
// max_flow_level and max_indents (go.yaml.in/yaml/v2 scannerc.go) and
// encoding/json's maxNestingDepth (encoding/json/scanner.go), which every
// document kubectl reads passes through after its YAML-to-JSON conversion.
constexpr size_t kMaxDepth = 10000;

std::string too_deep() {
  return fmt::format("nested more than {} levels deep (kubectl's limit); flatten the document", kMaxDepth);
}

// go-yaml's allowedAliasRatio (go.yaml.in/yaml/v2 decode.go): the share of a
// document's decoded nodes that may come from alias expansion, 99% up to
// 400,000 nodes, falling to 10% at 4,000,000.
double allowed_alias_ratio(std::uint64_t decode_count) {
  constexpr double kLow = 400000;
  constexpr double kHigh = 4000000;
  auto n = static_cast<double>(decode_count);
  if (n <= kLow) {
    return 0.99;
  }
  if (n >= kHigh) {
    return 0.10;
  }
  return 0.99 - 0.89 * ((n - kLow) / (kHigh - kLow));
}

bool is_blank_or_end(std::string_view s, size_t i) {
  return i >= s.size() || s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r';
}
bool is_flow_indicator(char c) { return c == ',' || c == '[' || c == ']' || c == '{' || c == '}'; }

// libyaml's scanner (and go-yaml's, its port) spends time proportional to the
// flow nesting on every token, so a document of 100,000 '[' takes minutes
// before any depth check on its events could see it. This scans a flow
// collection ahead, from its '[' or '{' at s[pos], the way the scanner
// tokenizes flow context: brackets, quoted scalars, plain scalars (which end
// at ",[]{}", ": " and " #") and comments. It returns the offset of the first
// bracket nested more than `room` levels, or npos. Where it could misread (a
// malformed document), it reads fewer brackets, never more: the event-level
// check still applies.
size_t flow_too_deep_at(std::string_view s, size_t pos, size_t room) {
  size_t depth = 0;
  bool plain = false;
  bool after_blank = false;
  size_t i = pos;
  while (i < s.size()) {
    char c = s[i];
    if (c == '[' || c == '{') {
      if (++depth > room) {
        return i;
      }
      plain = false;
      after_blank = false;
      ++i;
      continue;
    }
    if (c == ']' || c == '}') {
      if (--depth == 0) {
        return std::string_view::npos;
      }
      plain = false;
      after_blank = false;
      ++i;
      continue;
    }
    if (c == ',') {
      plain = false;
      after_blank = false;
      ++i;
      continue;
    }
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      after_blank = true;
      ++i;
      continue;
    }
    if (c == '#' && (!plain || after_blank)) {
      plain = false;
      while (i < s.size() && s[i] != '\n') {
        ++i;
      }
      continue;
    }
    after_blank = false;
    if (plain) {
      if (c == ':' && (is_blank_or_end(s, i + 1) || is_flow_indicator(s[i + 1]))) {
        plain = false;
      }
      ++i;
      continue;
    }
    if (c == '\'') {
      for (++i; i < s.size(); ++i) {
        if (s[i] == '\'') {
          if (i + 1 < s.size() && s[i + 1] == '\'') {
            ++i;
          } else {
            break;
          }
        }
      }
      ++i;
    } else if (c == '"') {
      for (++i; i < s.size() && s[i] != '"'; ++i) {
        if (s[i] == '\\') {
          ++i;
        }
      }
      ++i;
    } else if (c == '!' || c == '&' || c == '*') {
      while (i < s.size() && !is_blank_or_end(s, i) && !is_flow_indicator(s[i])) {
        ++i;
      }
    } else if (c == ':' || (c == '?' && is_blank_or_end(s, i + 1))) {
      ++i;  // an indicator
    } else {
      plain = true;
      ++i;
    }
  }
  return std::string_view::npos;
}

// --- parsing ------------------------------------------------------------------

enum class Op { BeginObject, EndObject, BeginArray, EndArray, Scalar, AliasBegin, AliasEnd };

// One parse event, viewing the parser's buffers.
struct Event {
  Op op;
  std::string_view text;  // scalars: the value; aliases: the anchor
  std::string_view tag;   // scalars: the tag as libyaml expanded it ("" when none)
  bool plain = false;     // scalars: go-yaml's "implicit" (plain, untagged or tagged "!")
  int line = 0;
};

// One parse event kept for replay: what an anchored node consists of.
struct Recorded {
  Op op;
  std::string text;
  std::string tag;
  bool plain = false;
  int line = 0;
  Event view() const { return {op, text, tag, plain, line}; }
};

class EventParser {
 public:
  // `line_offset`: lines before `text` in the source (it may be a part of it).
  EventParser(std::string_view text, const std::string& source, Handler& handler, int line_offset = 0)
      : text_(text), source_(source), handler_(handler), line_offset_(line_offset) {
    yaml_parser_initialize(&parser_);
    yaml_parser_set_input_string(&parser_, reinterpret_cast<const unsigned char*>(text.data()), text.size());
    // libyaml's marks count characters from after a UTF-8 byte order mark;
    // for UTF-16 input they do not map onto bytes and the look-ahead is off.
    if (text.starts_with("\xEF\xBB\xBF")) {
      cursor_byte_ = 3;
    } else if (text.starts_with("\xFE\xFF") || text.starts_with("\xFF\xFE")) {
      map_marks_ = false;
    }
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
          decode_count_ = 1;  // go-yaml counts the document node
          alias_count_ = 0;
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
          if (sc.style == YAML_DOUBLE_QUOTED_SCALAR_STYLE || (sc.style == YAML_PLAIN_SCALAR_STYLE && open_flows_ > 0)) {
            check_scalar_text(event);
          }
          start_anchor(sc.anchor);
          on({Op::Scalar, std::string_view(reinterpret_cast<const char*>(sc.value), sc.length),
              sc.tag != nullptr ? std::string_view(reinterpret_cast<const char*>(sc.tag)) : std::string_view(),
              sc.plain_implicit != 0, line(event)});
          break;
        }
        case YAML_SEQUENCE_START_EVENT:
          start_anchor(event.data.sequence_start.anchor);
          flow_start(event, event.data.sequence_start.style == YAML_FLOW_SEQUENCE_STYLE);
          on({Op::BeginArray, {}, {}, false, line(event)});
          break;
        case YAML_MAPPING_START_EVENT:
          start_anchor(event.data.mapping_start.anchor);
          flow_start(event, event.data.mapping_start.style == YAML_FLOW_MAPPING_STYLE);
          on({Op::BeginObject, {}, {}, false, line(event)});
          break;
        case YAML_SEQUENCE_END_EVENT:
          flow_end();
          on({Op::EndArray, {}, {}, false, line(event)});
          break;
        case YAML_MAPPING_END_EVENT:
          flow_end();
          on({Op::EndObject, {}, {}, false, line(event)});
          break;
        default:
          break;
      }
    }
  }

 private:
  enum class Kind : std::uint8_t {
    Array,
    Object,
    Merged,    // a mapping merged into its parent by "<<": no object of its own
    MergeSeq,  // "<<: [maps]": its items are collected, then merged last to first
  };
  struct Frame {
    Kind kind;
    bool expect_key = false;
    bool merge_next = false;   // the key just read was "<<"
    bool merge_alias = false;  // ... and its value is an alias
  };
  struct Recording {
    std::string anchor;
    size_t depth;  // the depth the anchored node starts at
    std::vector<Recorded> events;
  };

  int line(const yaml_event_t& e) const { return static_cast<int>(e.start_mark.line) + 1 + line_offset_; }

  [[noreturn]] void fail() {
    const yaml_mark_t& m = parser_.problem_mark;
    size_t line = m.line;
    size_t column = m.column;
    if (parser_.error == YAML_READER_ERROR) {
      // The reader (bad UTF-8, a control character) has no mark, only the byte.
      const size_t at = std::min(parser_.problem_offset, text_.size());
      const size_t nl = text_.rfind('\n', at == 0 ? 0 : at - 1);
      line = static_cast<size_t>(std::count(text_.begin(), text_.begin() + static_cast<std::ptrdiff_t>(at), '\n'));
      column = nl == std::string_view::npos || at == 0 ? at : at - nl - 1;
    }
    std::string context = parser_.context != nullptr ? fmt::format(" ({})", parser_.context) : "";
    throw Error(fmt::format("{}:{}:{}: invalid YAML: {}{}", source_, line + 1 + static_cast<size_t>(line_offset_),
                            column + 1, parser_.problem != nullptr ? parser_.problem : "unreadable input", context));
  }

  [[noreturn, gnu::cold, gnu::noinline]] void fail_at(int line, std::string_view what) const {
    throw Error(fmt::format("{}:{}: {}", source_, line, what));
  }

  // The byte offset of a mark (which counts characters).
  size_t byte_at(size_t index) {
    while (cursor_index_ < index && cursor_byte_ < text_.size()) {
      ++cursor_byte_;
      while (cursor_byte_ < text_.size() && (static_cast<unsigned char>(text_[cursor_byte_]) & 0xC0) == 0x80) {
        ++cursor_byte_;
      }
      ++cursor_index_;
    }
    return cursor_byte_;
  }

  // Where libyaml 0.2.5 reads more than go-yaml v2's scanner (scannerc.go),
  // which kubectl uses: the escape \/ in double quotes, and '?' inside a plain
  // scalar in flow context (go-yaml ends the scalar there and fails).
  void check_scalar_text(const yaml_event_t& e) {
    const auto& sc = e.data.scalar;
    if (sc.style == YAML_PLAIN_SCALAR_STYLE) {
      if (std::string_view(reinterpret_cast<const char*>(sc.value), sc.length).find('?') != std::string_view::npos) {
        fail_at(line(e), "a '?' inside a plain scalar in a flow collection; kubectl's YAML reader ends the scalar "
                         "there and fails (did not find expected ',' or ']'); quote the value");
      }
      return;
    }
    if (!map_marks_) {
      return;
    }
    size_t begin = byte_at(e.start_mark.index);
    size_t end = std::min(byte_at(e.end_mark.index), text_.size());
    if (begin >= end || text_[begin] != '"') {
      return;
    }
    for (size_t i = begin + 1; i + 1 < end; ++i) {
      if (text_[i] == '\\') {
        if (text_[i + 1] == '/') {
          fail_at(line(e), "found unknown escape character \\/ in a double-quoted scalar (kubectl's YAML reader "
                           "knows no \\/); write / alone");
        }
        ++i;
      }
    }
  }

  void flow_start(const yaml_event_t& e, bool flow) {
    flows_.push_back(flow ? 1 : 0);
    if (!flow || open_flows_++ > 0 || !map_marks_) {
      return;
    }
    // Entering flow context: look ahead for nesting beyond the limit.
    size_t pos = byte_at(e.start_mark.index);
    if (pos >= text_.size() || (text_[pos] != '[' && text_[pos] != '{')) {
      return;
    }
    size_t room = kMaxDepth > json_depth_ ? kMaxDepth - json_depth_ : 0;
    size_t at = flow_too_deep_at(text_, pos, room);
    if (at != std::string_view::npos) {
      auto lines = std::count(text_.begin() + static_cast<std::ptrdiff_t>(pos),
                              text_.begin() + static_cast<std::ptrdiff_t>(at), '\n');
      fail_at(line(e) + static_cast<int>(lines), too_deep());
    }
  }

  void flow_end() {
    if (!flows_.empty()) {
      if (flows_.back() != 0) {
        --open_flows_;
      }
      flows_.pop_back();
    }
  }

  void start_anchor(const unsigned char* anchor) {
    if (anchor != nullptr) {
      recordings_.push_back({reinterpret_cast<const char*>(anchor), frames_.size(), {}});
    }
  }

  void replay(const yaml_event_t& event) {
    std::string_view name(reinterpret_cast<const char*>(event.data.alias.anchor));
    for (const Recording& rec : recordings_) {
      if (rec.anchor == name) {
        fail_at(line(event), fmt::format("anchor '{}' value contains itself; an alias cannot refer to the node it is in",
                                         name));
      }
    }
    auto it = anchors_.find(std::string(name));
    if (it == anchors_.end()) {
      fail_at(line(event),
              fmt::format("invalid YAML: unknown anchor \"{}\"; define it with & before using it with *", name));
    }
    std::vector<Recorded> events = it->second;  // (on() may redefine the anchor)
    on({Op::AliasBegin, name, {}, false, line(event)});
    for (const Recorded& r : events) {
      on(r.view());
    }
    on({Op::AliasEnd, name, {}, false, line(event)});
  }

  // go-yaml's decoder counts every node it decodes, and those inside alias
  // expansions apart; too large a share of the latter is an alias bomb.
  void count_node(int line) {
    ++decode_count_;
    if (alias_depth_ > 0) {
      ++alias_count_;
    }
    if (alias_count_ > 100 && decode_count_ > 1000 &&
        static_cast<double>(alias_count_) / static_cast<double>(decode_count_) >
            allowed_alias_ratio(decode_count_)) {
      fail_aliasing(line);
    }
  }
  [[noreturn, gnu::cold, gnu::noinline]] void fail_aliasing(int line) const {
    fail_at(line, fmt::format("aliases expand to {} of the document's {} nodes (kubectl's limit: \"document "
                              "contains excessive aliasing\"); write the repeated parts out",
                              alias_count_, decode_count_));
  }
  [[noreturn, gnu::cold, gnu::noinline]] void fail_too_deep(int line) const { fail_at(line, too_deep()); }

  // One node event: to the handler, and to every anchor being recorded.
  void on(const Event& r) {
    if (replaying_merge_ == 0) {
      for (Recording& rec : recordings_) {
        rec.events.push_back({r.op, std::string(r.text), std::string(r.tag), r.plain, r.line});
      }
    }
    if (!frames_.empty() && frames_.back().kind == Kind::MergeSeq &&
        !(r.op == Op::EndArray && merge_items_depth_ == 0)) {
      collect_merge_item(r);
      if (merge_items_depth_ == 0) {
        complete_recordings();
      }
      return;
    }
    dispatch(r);
    complete_recordings();
  }

  void dispatch(const Event& r) {
    switch (r.op) {
      case Op::AliasBegin:
        count_node(r.line);  // the alias node itself
        ++alias_depth_;
        if (!frames_.empty() && frames_.back().merge_next) {
          frames_.back().merge_alias = true;
        }
        return;
      case Op::AliasEnd:
        --alias_depth_;
        return;
      case Op::EndObject:
      case Op::EndArray:
        end_collection();
        return;
      case Op::Scalar:
      case Op::BeginObject:
      case Op::BeginArray:
        break;
    }
    if (!in_document_) {
      in_document_ = true;
      handler_.begin_document(r.line);
    }
    Frame* parent = frames_.empty() ? nullptr : &frames_.back();
    bool is_key = parent != nullptr && parent->expect_key;
    if (is_key && r.op == Op::Scalar && is_merge_key(r)) {
      parent->expect_key = false;
      parent->merge_next = true;
      parent->merge_alias = false;
      return;  // go-yaml does not decode (or count) the "<<" key
    }
    if (parent != nullptr && parent->merge_next) {
      parent->merge_next = false;
      if (r.op == Op::Scalar || (r.op == Op::BeginArray && parent->merge_alias)) {
        fail_at(r.line, "map merge requires map or sequence of maps as the value (\"<<\" merges mappings)");
      }
      if (r.op == Op::BeginObject) {
        count_node(r.line);
        frames_.push_back({Kind::Merged, true});
      } else {
        // go-yaml walks the sequence's items without decoding the sequence itself.
        frames_.push_back({Kind::MergeSeq});
        merge_items_.clear();
        merge_items_depth_ = 0;
        item_open_ = false;
      }
      return;
    }
    count_node(r.line);
    switch (r.op) {
      case Op::Scalar:
        if (is_key) {
          key(r);
          parent->expect_key = false;
        } else {
          scalar(r);
          value_done();
        }
        return;
      case Op::BeginObject:
      case Op::BeginArray:
        if (is_key) {
          fail_at(r.line, "a mapping key must be a scalar, not a mapping or sequence");
        }
        if (json_depth_ >= kMaxDepth) {
          fail_too_deep(r.line);
        }
        ++json_depth_;
        if (r.op == Op::BeginObject) {
          handler_.begin_object(r.line);
          frames_.push_back({Kind::Object, true});
        } else {
          handler_.begin_array();
          frames_.push_back({Kind::Array, false});
        }
        return;
      default:
        return;
    }
  }

  void end_collection() {
    Frame done = frames_.back();
    frames_.pop_back();
    switch (done.kind) {
      case Kind::Object:
        --json_depth_;
        handler_.end_object();
        break;
      case Kind::Array:
        --json_depth_;
        handler_.end_array();
        break;
      case Kind::Merged:
        break;
      case Kind::MergeSeq:
        apply_merge_items();
        break;
    }
    value_done();
  }

  // Inside "<<: [...]": keep each item's events, to merge the items last to first.
  void collect_merge_item(const Event& r) {
    if (merge_items_depth_ == 0) {
      if (!item_open_) {
        if (r.op != Op::AliasBegin && r.op != Op::BeginObject) {
          fail_at(r.line, "map merge requires map or sequence of maps as the value (\"<<\" merges mappings)");
        }
        merge_items_.emplace_back();
        item_open_ = true;
        item_alias_ = r.op == Op::AliasBegin;
      } else if (item_alias_ && r.op != Op::BeginObject && r.op != Op::AliasEnd) {
        fail_at(r.line, "map merge requires map or sequence of maps as the value (\"<<\" merges mappings)");
      }
    }
    if (r.op == Op::BeginObject || r.op == Op::BeginArray) {
      ++merge_items_depth_;
    } else if (r.op == Op::EndObject || r.op == Op::EndArray) {
      --merge_items_depth_;
    }
    merge_items_.back().push_back({r.op, std::string(r.text), std::string(r.tag), r.plain, r.line});
    if (merge_items_depth_ == 0 && ((r.op == Op::EndObject && !item_alias_) || r.op == Op::AliasEnd)) {
      item_open_ = false;
    }
  }

  void apply_merge_items() {
    std::vector<std::vector<Recorded>> items = std::move(merge_items_);
    merge_items_.clear();
    for (auto it = items.rbegin(); it != items.rend(); ++it) {
      // Each item is a mapping, or an alias of one (then its events follow AliasBegin).
      frames_.back().merge_next = true;
      frames_.back().merge_alias = false;
      ++replaying_merge_;
      for (const Recorded& r : *it) {
        on(r.view());
      }
      --replaying_merge_;
    }
  }

  bool is_merge_key(const Event& r) const {
    return r.text == "<<" && (r.plain || r.tag == "tag:yaml.org,2002:merge");
  }

  void value_done() {
    if (!frames_.empty() && (frames_.back().kind == Kind::Object || frames_.back().kind == Kind::Merged)) {
      frames_.back().expect_key = true;
    }
  }

  // An anchored node is complete when the depth is back where it started.
  void complete_recordings() {
    if (!recordings_.empty()) {
      complete_recordings_slow();
    }
  }
  [[gnu::noinline]] void complete_recordings_slow() {
    while (!recordings_.empty() && recordings_.back().depth == frames_.size() && !recordings_.back().events.empty()) {
      Recording done = std::move(recordings_.back());
      recordings_.pop_back();
      anchors_[done.anchor] = std::move(done.events);
    }
  }

  // go-yaml's resolve() for a scalar with its tag (go.yaml.in/yaml/v2 decode.go
  // scalar() and resolve.go resolve()).
  struct Scalar {
    enum class Kind { Go, Str, Binary } kind = Kind::Go;
    Resolved value;
  };
  Scalar resolve(const Event& r) const {
    using T = Resolved::Type;
    Scalar out;
    if (r.tag.empty()) {
      if (r.plain) {
        out.value = resolve_plain(r.text);
      } else {
        out.kind = Scalar::Kind::Str;  // quoted or a block scalar
      }
      return out;
    }
    if (!r.tag.starts_with(kTagPrefix)) {
      out.kind = Scalar::Kind::Str;  // "!" or a local tag: go-yaml keeps the text
      return out;
    }
    std::string_view name = r.tag.substr(kTagPrefix.size());
    if (name == "str") {
      out.kind = Scalar::Kind::Str;
      return out;
    }
    if (name == "binary") {
      out.kind = Scalar::Kind::Binary;
      return out;
    }
    T want = T::String;
    if (name == "bool") {
      want = T::Bool;
    } else if (name == "int") {
      want = T::Int;
    } else if (name == "float") {
      want = T::Float;
    } else if (name == "null") {
      want = T::Null;
    } else if (name == "timestamp") {
      want = T::Timestamp;
    } else {
      out.kind = Scalar::Kind::Str;  // !!map, !!seq, !!set, ...: not resolvable, the text stays
      return out;
    }
    out.value = resolve_go(r.text, want == T::Timestamp);
    T got = out.value.type == T::Uint ? T::Int : out.value.type;
    if (got == want) {
      return out;
    }
    if (want == T::Float && out.value.type == T::Int) {  // go-yaml turns an int into a float here
      out.value.type = T::Float;
      out.value.number = static_cast<double>(out.value.integer);
      return out;
    }
    fail_at(r.line, fmt::format("cannot decode {} `{}` as a {}; remove the tag or change the value",
                                short_tag(out.value.type), r.text, short_tag(want)));
  }

  // The common cases inline: an untagged scalar that is text.
  void key(const Event& r) {
    if (r.tag.empty() && (!r.plain || resolve_plain(r.text).type == Resolved::Type::String)) {
      handler_.key(r.text);
      return;
    }
    resolved_key(r);
  }

  [[gnu::noinline]] void resolved_key(const Event& r) {
    using T = Resolved::Type;
    Scalar s = resolve(r);
    if (s.kind == Scalar::Kind::Str) {
      handler_.key(r.text);
      return;
    }
    if (s.kind == Scalar::Kind::Binary) {
      handler_.key(binary(r));
      return;
    }
    switch (s.value.type) {
      case T::String:
      case T::Timestamp: handler_.key(r.text); return;
      case T::Bool: handler_.key(s.value.boolean ? "true" : "false"); return;
      case T::Int: handler_.key(std::to_string(s.value.integer)); return;
      case T::Float: handler_.key(go_float32_key(s.value.number)); return;
      case T::Null:
        fail_at(r.line, fmt::format("the key `{}` is null, which kubectl cannot use as a field name; quote it", r.text));
      case T::Uint:
        fail_at(r.line, fmt::format("the key `{}` is an integer beyond 64 bits signed, which kubectl cannot use as a "
                                    "field name; quote it",
                                    r.text));
    }
  }

  std::string binary(const Event& r) const {
    auto bytes = go_base64_decode(r.text);
    if (!bytes) {
      fail_at(r.line, "!!binary value contains invalid base64 data; give standard, padded base64");
    }
    return go_json_utf8(*bytes);
  }

  // The value as kubectl holds it after its JSON round trip.
  void scalar(const Event& r) {
    if (r.tag.empty()) {
      if (!r.plain) {
        handler_.string(r.text);
        return;
      }
      Resolved v = resolve_plain(r.text);
      switch (v.type) {
        case Resolved::Type::String: handler_.string(r.text); return;
        case Resolved::Type::Int: handler_.integer(v.integer); return;
        case Resolved::Type::Bool: handler_.boolean(v.boolean); return;
        case Resolved::Type::Null: handler_.null_value(); return;
        default: break;
      }
    }
    resolved_scalar(r);
  }

  [[gnu::noinline]] void resolved_scalar(const Event& r) {
    using T = Resolved::Type;
    Scalar s = resolve(r);
    if (s.kind == Scalar::Kind::Str) {
      handler_.string(r.text);
      return;
    }
    if (s.kind == Scalar::Kind::Binary) {
      handler_.string(binary(r));
      return;
    }
    const Resolved& v = s.value;
    switch (v.type) {
      case T::Null: handler_.null_value(); return;
      case T::Bool: handler_.boolean(v.boolean); return;
      case T::Int: handler_.integer(v.integer); return;
      case T::Uint: handler_.number(static_cast<double>(v.unsigned_integer)); return;  // beyond int64: a float64
      case T::Float: {
        if (std::isnan(v.number) || std::isinf(v.number)) {
          fail_at(r.line, fmt::format("`{}` is not a number JSON can hold (kubectl: \"json: unsupported value\"); "
                                      "quote it to keep the text",
                                      r.text));
        }
        if (auto i = go_json_integer(v.number)) {
          handler_.integer(*i);
        } else {
          handler_.number(v.number);
        }
        return;
      }
      case T::String:
      case T::Timestamp: handler_.string(r.text); return;  // go-yaml keeps a timestamp's text
    }
  }

  yaml_parser_t parser_;
  std::string_view text_;
  const std::string& source_;
  Handler& handler_;
  int line_offset_ = 0;
  bool in_document_ = false;
  std::vector<Frame> frames_;
  size_t json_depth_ = 0;  // frames that are objects or arrays of the result
  std::vector<Recording> recordings_;
  std::map<std::string, std::vector<Recorded>, std::less<>> anchors_;
  std::vector<std::vector<Recorded>> merge_items_;
  int merge_items_depth_ = 0;
  bool item_open_ = false;
  bool item_alias_ = false;
  int replaying_merge_ = 0;
  std::uint64_t decode_count_ = 0;
  std::uint64_t alias_count_ = 0;
  int alias_depth_ = 0;
  std::vector<char> flows_;  // for each open collection of the text: flow style?
  size_t open_flows_ = 0;
  bool map_marks_ = true;
  size_t cursor_index_ = 0;
  size_t cursor_byte_ = 0;
};

// --- JSON documents ------------------------------------------------------------------

// A JSON reader: with a handler it streams the value's events; without one
// it only checks that the text is exactly one JSON value with white space
// around it. Files' documents are checked first, so that YAML which merely
// starts like JSON ({a: b}) goes to the YAML parser before any event.
// Strings without escapes or invalid UTF-8 are handed over in place.
//
// Invalid UTF-8 in a string (raw bytes, or a \u escape of an unpaired
// surrogate) is read as the reader it stands for reads it. Go's
// encoding/json, kubectl's reader of JSON, reads each raw byte that does not
// start a well-formed sequence as U+FFFD, and each unpaired surrogate as
// U+FFFD, the next escape then read on its own. A YAML reader (go-yaml for a
// kubeconfig or a mesh config, libyaml) refuses it: there the reader stops,
// and the document goes to libyaml, which names the fault.
enum class InvalidUtf8 { Refuse, Replace };

class JsonReader {
 public:
  JsonReader(std::string_view s, Handler* handler, int line, InvalidUtf8 invalid)
      : s_(s), h_(handler), line_(line), replace_(invalid == InvalidUtf8::Replace) {}

  // Throws nothing: false when the text is not JSON (error() says where).
  bool read() {
    ws();
    if (!value()) {
      return false;
    }
    ws();
    return i_ == s_.size() || fail("text after the JSON value");
  }
  std::string error() const { return fmt::format("{} (at byte {})", error_, i_); }
  // The value nests deeper than kubectl reads (encoding/json's maxNestingDepth).
  bool too_deep() const { return too_deep_; }
  // The line of the position read up to.
  int line() const { return line_ + static_cast<int>(std::count(s_.begin(), s_.begin() + static_cast<std::ptrdiff_t>(std::min(i_, s_.size())), '\n')); }

 private:
  static constexpr size_t kMaxJsonDepth = kMaxDepth;

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
  // A string at i_ (on its opening quote); its text in `out` (a view of the
  // input when it is read as written, else decoded into buffer_).
  bool string(std::string_view& out) {
    size_t start = ++i_;
    bool decoded = false;
    auto decode = [&] {
      if (!decoded) {
        buffer_.assign(s_.substr(start, i_ - start));
        decoded = true;
      }
    };
    buffer_.clear();
    while (i_ < s_.size()) {
      unsigned char c = static_cast<unsigned char>(s_[i_]);
      if (c == '"') {
        if (!decoded) {
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
        decode();
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
            if (cp >= 0xD800 && cp < 0xE000) {
              const size_t after = i_;
              std::uint32_t low = 0;
              if (cp < 0xDC00 && s_.substr(i_, 2) == "\\u" && (i_ += 2, hex4(low)) && low >= 0xDC00 && low < 0xE000) {
                cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);  // a surrogate pair
              } else if (replace_) {
                i_ = after;
                cp = 0xFFFD;
              } else {
                return fail("an unpaired surrogate in \\u escapes");
              }
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
        const Utf8Sequence seq = utf8_sequence(s_, i_);
        if (seq.width == 0) {
          if (!replace_) {
            return fail("invalid UTF-8");
          }
          decode();
          buffer_ += kReplacement;
          ++i_;
          continue;
        }
        i_ += seq.width;
      } else {
        ++i_;
      }
      if (decoded) {
        buffer_.append(s_.substr(from, i_ - from));
      }
    }
    return fail("a string without its closing quote");
  }
  bool key() {
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
    return true;
  }
  bool close(bool object) {
    ++i_;
    if (h_ != nullptr) {
      object ? h_->end_object() : h_->end_array();
    }
    return true;
  }
  bool scalar_value(char c) {
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
  // One value, its nesting kept on open_ (true: an object) rather than the
  // call stack, so that any depth up to the limit is safe.
  bool value() {
    open_.clear();
    for (;;) {
      if (i_ >= s_.size()) {
        return fail("a value is missing");
      }
      char c = s_[i_];
      if (c == '{' || c == '[') {
        if (open_.size() >= kMaxJsonDepth) {
          too_deep_ = true;
          return fail("nested too deeply");
        }
        bool object = c == '{';
        if (h_ != nullptr) {
          object ? h_->begin_object(line_) : h_->begin_array();
        }
        ++i_;
        ws();
        if (at(object ? '}' : ']')) {
          close(object);
        } else {
          open_.push_back(object ? 1 : 0);
          if (object && !key()) {
            return false;
          }
          continue;
        }
      } else if (!scalar_value(c)) {
        return false;
      }
      // After a value: close what ends here, then on to the next value.
      for (;;) {
        if (open_.empty()) {
          return true;
        }
        ws();
        bool object = open_.back() != 0;
        if (at(',')) {
          ++i_;
          ws();
          if (object && !key()) {
            return false;
          }
          break;
        }
        if (!at(object ? '}' : ']')) {
          return fail(object ? "',' or '}' expected" : "',' or ']' expected");
        }
        close(object);
        open_.pop_back();
      }
    }
  }

  std::string_view s_;
  Handler* h_;
  int line_;
  bool replace_;  // invalid UTF-8 reads as U+FFFD (else the reader stops)
  size_t i_ = 0;
  std::string buffer_;
  std::vector<char> open_;  // 1: an object
  bool too_deep_ = false;
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

void read_json(std::string_view text, const std::string& source, Handler& handler, int line, InvalidUtf8 invalid) {
  handler.begin_document(line);
  JsonReader reader(text, &handler, line, invalid);
  if (!reader.read()) {
    if (reader.too_deep()) {
      throw Error(fmt::format("{}:{}: {}", source, reader.line(), too_deep()));
    }
    throw Error(fmt::format("{}:{}: invalid JSON: {}", source, line, reader.error()));
  }
  handler.end_document();
}

void read_stream(std::string_view text, const std::string& source, Handler& handler, InvalidUtf8 invalid) {
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
    bool is_json = false;
    if (candidate && !json.empty()) {
      JsonReader check(json, nullptr, json_line, invalid);
      is_json = check.read();
      if (!is_json && check.too_deep()) {
        // YAML would refuse it too, after a scan that grows with the square of the depth.
        throw Error(fmt::format("{}:{}: {}", source, check.line(), too_deep()));
      }
    }
    if (is_json) {
      flush_yaml(pos);
      read_json(json, source, handler, json_line, invalid);
    } else if (yaml_begin == std::string_view::npos) {
      yaml_begin = pos;
      yaml_line = line;
    }
    pos = end;
    line += lines;
  }
  flush_yaml(text.size());
}

// The text with each maximal subpart of an ill-formed UTF-8 sequence
// replaced by U+FFFD (W3C's way, not Go's: a cut sequence is one U+FFFD), as
// x/text's UTF-8 decoder writes it; nullopt when it is well formed.
std::optional<std::string> replace_ill_formed(std::string_view text) {
  size_t i = 0;
  while (i < text.size()) {  // the first ill-formed sequence, if any
    std::uint64_t word = 0;
    if (i + sizeof word <= text.size() && (std::memcpy(&word, text.data() + i, sizeof word), word & kHighBits) == 0) {
      i += sizeof word;  // eight ASCII bytes
    } else if (static_cast<unsigned char>(text[i]) < 0x80) {
      ++i;
    } else if (size_t width = utf8_sequence(text, i).width; width > 0) {
      i += width;
    } else {
      break;
    }
  }
  if (i == text.size()) {
    return std::nullopt;  // well formed: read in place
  }
  std::string valid(text.substr(0, i));
  while (i < text.size()) {
    if (static_cast<unsigned char>(text[i]) < 0x80) {
      valid += text[i++];
    } else if (const Utf8Sequence seq = utf8_sequence(text, i); seq.width > 0) {
      valid.append(text.substr(i, seq.width));
      i += seq.width;
    } else {
      valid += kReplacement;
      i += seq.prefix;
    }
  }
  return valid;
}

}  // namespace

void parse_json_events(std::string_view text, const std::string& source, Handler& handler, int line) {
  read_json(text, source, handler, line, InvalidUtf8::Replace);
}

void parse_events(std::string_view text, const std::string& source, Handler& handler) {
  // kubectl reads a file (or stdin) through x/text's BOM override: a UTF-8
  // byte order mark is dropped and the rest read as it is; one of UTF-16
  // decodes UTF-16 (libyaml does that here); else ill-formed UTF-8 becomes
  // U+FFFD (replace_ill_formed) before any YAML or JSON reader sees the text.
  constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";
  if (text.starts_with(kUtf8Bom)) {
    read_stream(text.substr(kUtf8Bom.size()), source, handler, InvalidUtf8::Replace);
    return;
  }
  if (text.starts_with("\xFF\xFE") || text.starts_with("\xFE\xFF")) {
    read_stream(text, source, handler, InvalidUtf8::Replace);
    return;
  }
  if (auto valid = replace_ill_formed(text)) {
    read_stream(*valid, source, handler, InvalidUtf8::Replace);
  } else {
    read_stream(text, source, handler, InvalidUtf8::Replace);
  }
}

std::vector<Document> parse_all(std::string_view text, const std::string& source) {
  std::vector<Document> docs;
  JsonBuilder builder(docs);
  parse_events(text, source, builder);
  return docs;
}

nlohmann::json parse(std::string_view text, const std::string& source) {
  std::vector<Document> docs;
  JsonBuilder builder(docs);
  read_stream(text, source, builder, InvalidUtf8::Refuse);
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
