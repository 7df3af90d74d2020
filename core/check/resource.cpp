#include "core/check/resource.hpp"

#include <array>
#include <cassert>

namespace grpcmesh::check {
namespace {

constexpr std::array<std::string_view, 1> kV1 = {"v1"};
constexpr std::array<std::string_view, 2> kDiscoveryVersions = {"v1", "v1beta1"};
constexpr std::array<std::string_view, 3> kIstioVersions = {"v1", "v1beta1", "v1alpha3"};
constexpr std::array<std::string_view, 1> kAlpha3 = {"v1alpha3"};

constexpr std::array kKinds = {
    KindInfo{Kind::Service, "Service", "", "services", kV1},
    KindInfo{Kind::EndpointSlice, "EndpointSlice", "discovery.k8s.io", "endpointslices", kDiscoveryVersions},
    KindInfo{Kind::Pod, "Pod", "", "pods", kV1},
    KindInfo{Kind::Secret, "Secret", "", "secrets", kV1},
    KindInfo{Kind::Gateway, "Gateway", "networking.istio.io", "gateways", kIstioVersions},
    KindInfo{Kind::VirtualService, "VirtualService", "networking.istio.io", "virtualservices", kIstioVersions},
    KindInfo{Kind::DestinationRule, "DestinationRule", "networking.istio.io", "destinationrules", kIstioVersions},
    KindInfo{Kind::EnvoyFilter, "EnvoyFilter", "networking.istio.io", "envoyfilters", kAlpha3},
};

}  // namespace

std::span<const KindInfo> known_kinds() { return kKinds; }

const KindInfo& info(Kind kind) {
  for (const KindInfo& k : kKinds) {
    if (k.kind == kind) {
      return k;
    }
  }
  assert(false && "every Kind has a KindInfo");
  return kKinds[0];
}

std::string_view kind_name(Kind kind) { return info(kind).name; }

std::optional<Kind> kind_by_name(std::string_view name) {
  for (const KindInfo& k : kKinds) {
    if (k.name == name) {
      return k.kind;
    }
  }
  return std::nullopt;
}

const nlohmann::json& field(const nlohmann::json& object, std::string_view key) {
  static const nlohmann::json kNull;  // NOLINT: a constant, never mutated
  if (!object.is_object()) {
    return kNull;
  }
  auto it = object.find(key);
  return it == object.end() ? kNull : *it;
}

std::string string_field(const nlohmann::json& object, std::string_view key) {
  const nlohmann::json& v = field(object, key);
  return v.is_string() ? v.get<std::string>() : std::string();
}

const nlohmann::json& Resource::spec() const { return field(object, "spec"); }

const nlohmann::json& Resource::labels() const { return field(field(object, "metadata"), "labels"); }

}  // namespace grpcmesh::check
