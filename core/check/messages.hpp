#pragma once

#include <fmt/format.h>

#include <span>
#include <string>
#include <string_view>

#include "core/check/resource.hpp"

namespace grpcmesh::check {

enum class Level { Info, Warning, Error };

// The hops of the path a gRPC call takes; a finding breaks one of them.
enum class Hop { None, LoadBalancer, Server, Route, Backend, Endpoints };

std::string_view level_name(Level level);  // "error", "warning", "info"
std::string_view hop_name(Hop hop);

// One finding. Built by the typed constructors below (never by hand), then
// given its resource by the analysis context when reported.
struct Message {
  std::string_view code;
  Level level = Level::Info;
  Hop hop = Hop::None;
  std::string_view istio_code;  // the overlapping `istioctl analyze` code, or ""
  std::string text;
  std::string fix;
  ResourceRef resource;
  std::string origin;  // "file.yaml:12" when the resource came from a file
  std::string host;    // the host whose path it breaks, when there is one

  Message&& for_host(std::string h) && {
    host = std::move(h);
    return std::move(*this);
  }
};

// One catalogue entry, for documentation and meta-tests.
struct CatalogueEntry {
  std::string_view code;
  std::string_view name;
  Level level;
  Hop hop;
  std::string_view istio_code;
  std::string_view text_template;
  std::string_view fix_template;
  bool deep = false;  // a finding of check --deep (GM_DEEP_MESSAGE)
};

// Every message, ordered by code (core/check/messages.def).
std::span<const CatalogueEntry> catalogue();

// A list of names in a message: "a, b", or "none" when it is empty.
struct NameList {
  std::span<const std::string> items;
};

// A text argument as a message shows it: as it is, but `""` when empty and
// quoted with escapes when it holds a control character, so a finding is
// always one line and never hides an empty value ({:?} always quotes).
struct Shown {
  std::string_view text;
};
inline Shown shown(std::string_view text) { return {text}; }
inline int shown(int number) { return number; }
inline const NameList& shown(const NameList& list) { return list; }

}  // namespace grpcmesh::check

template <>
struct fmt::formatter<grpcmesh::check::Shown> {
  bool debug = false;
  constexpr auto parse(format_parse_context& ctx) {
    auto it = ctx.begin();
    if (it != ctx.end() && *it == '?') {
      debug = true;
      ++it;
    }
    return it;
  }
  template <typename FormatContext>
  auto format(const grpcmesh::check::Shown& s, FormatContext& ctx) const {
    bool control = false;
    for (char c : s.text) {
      control = control || static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
    }
    if (debug || control || s.text.empty()) {
      return fmt::format_to(ctx.out(), "{:?}", s.text);
    }
    return fmt::format_to(ctx.out(), "{}", s.text);
  }
};

template <>
struct fmt::formatter<grpcmesh::check::NameList> {
  constexpr auto parse(format_parse_context& ctx) { return ctx.begin(); }
  template <typename FormatContext>
  auto format(const grpcmesh::check::NameList& list, FormatContext& ctx) const {
    if (list.items.empty()) {
      return fmt::format_to(ctx.out(), "none");
    }
    auto out = ctx.out();
    bool first = true;
    for (const std::string& item : list.items) {
      out = fmt::format_to(out, "{}{}", first ? "" : ", ", grpcmesh::check::Shown{item});
      first = false;
    }
    return out;
  }
};

namespace grpcmesh::check {

// One typed constructor per catalogue entry, e.g. msg::GatewayNotFound("gw").
namespace msg {
#define GM_UNPAREN(...) __VA_ARGS__
#define GM_CAT_(a, b) a##b
#define GM_CAT(a, b) GM_CAT_(a, b)
#define GM_COUNT_(_1, _2, _3, _4, _5, _6, n, ...) n
#define GM_COUNT(...) GM_COUNT_(__VA_ARGS__ __VA_OPT__(, ) 6, 5, 4, 3, 2, 1, 0)
#define GM_SHOWN0()
#define GM_SHOWN1(a) , shown(a)
#define GM_SHOWN2(a, b) , shown(a), shown(b)
#define GM_SHOWN3(a, b, c) , shown(a), shown(b), shown(c)
#define GM_SHOWN4(a, b, c, d) , shown(a), shown(b), shown(c), shown(d)
#define GM_SHOWN5(a, b, c, d, e) , shown(a), shown(b), shown(c), shown(d), shown(e)
#define GM_SHOWN6(a, b, c, d, e, f) , shown(a), shown(b), shown(c), shown(d), shown(e), shown(f)
// ", shown(a), shown(b)" for the arguments (a, b); nothing for ().
#define GM_SHOWN(...) GM_CAT(GM_SHOWN, GM_COUNT(__VA_ARGS__))(__VA_ARGS__)
// The texts are string literals, checked against their arguments at compile
// time by fmt's consteval format strings. (FMT_STRING would check them too,
// but {fmt} 9 then compares two evaluations of the literal, which recent
// clang (22, the portable release's compiler) rejects as not constant.)
#define GM_MESSAGE(code, Name, level, hop, istio, text, fix, params, args)                              \
  inline Message Name(GM_UNPAREN params) {                                                              \
    return Message{#code, Level::level, Hop::hop, istio, fmt::format(text GM_SHOWN args),                 \
                   fmt::format(fix GM_SHOWN args), {}, {}, {}};                                           \
  }
#include "core/check/messages.def"
#undef GM_MESSAGE
#undef GM_UNPAREN
#undef GM_CAT_
#undef GM_CAT
#undef GM_COUNT_
#undef GM_COUNT
#undef GM_SHOWN0
#undef GM_SHOWN1
#undef GM_SHOWN2
#undef GM_SHOWN3
#undef GM_SHOWN4
#undef GM_SHOWN5
#undef GM_SHOWN6
#undef GM_SHOWN
}  // namespace msg

}  // namespace grpcmesh::check
