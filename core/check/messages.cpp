#include "core/check/messages.hpp"

#include <array>

namespace grpcmesh::check {
namespace {

#define GM_MESSAGE(code, Name, level, hop, istio, text, fix, params, args) \
  CatalogueEntry{#code, #Name, Level::level, Hop::hop, istio, text, fix},
#define GM_DEEP_MESSAGE(code, Name, level, hop, istio, text, fix, params, args) \
  CatalogueEntry{#code, #Name, Level::level, Hop::hop, istio, text, fix, true},
constexpr std::array kCatalogue = {
#include "core/check/messages.def"
};
#undef GM_MESSAGE
#undef GM_DEEP_MESSAGE

}  // namespace

std::span<const CatalogueEntry> catalogue() { return kCatalogue; }

std::string_view level_name(Level level) {
  switch (level) {
    case Level::Error:
      return "error";
    case Level::Warning:
      return "warning";
    case Level::Info:
      return "info";
  }
  return "info";
}

std::string_view hop_name(Hop hop) {
  switch (hop) {
    case Hop::None:
      return "";
    case Hop::LoadBalancer:
      return "load balancer";
    case Hop::Server:
      return "gateway server";
    case Hop::Route:
      return "route";
    case Hop::Backend:
      return "service port";
    case Hop::Endpoints:
      return "endpoints";
  }
  return "";
}

}  // namespace grpcmesh::check
