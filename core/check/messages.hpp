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
};

// Every message, ordered by code (core/check/messages.def).
std::span<const CatalogueEntry> catalogue();

// One typed constructor per catalogue entry, e.g. msg::GatewayNotFound("gw").
namespace msg {
#define GM_UNPAREN(...) __VA_ARGS__
#define GM_ARGS(...) __VA_OPT__(, ) __VA_ARGS__
#define GM_MESSAGE(code, Name, level, hop, istio, text, fix, params, args)                        \
  inline Message Name(GM_UNPAREN params) {                                                        \
    return Message{#code, Level::level, Hop::hop, istio, fmt::format(FMT_STRING(text) GM_ARGS args), \
                   fmt::format(FMT_STRING(fix) GM_ARGS args), {}, {}, {}};                    \
  }
#include "core/check/messages.def"
#undef GM_MESSAGE
#undef GM_UNPAREN
#undef GM_ARGS
}  // namespace msg

}  // namespace grpcmesh::check
