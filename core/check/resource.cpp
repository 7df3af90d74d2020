#include "core/check/resource.hpp"

#include <array>
#include <cassert>
#include <mutex>
#include <set>

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

std::string Origin::str() const { return file ? *file + ":" + std::to_string(line) : std::string(); }

std::string_view intern_api_version(std::string_view api_version) {
  static std::mutex mutex;
  static std::set<std::string, std::less<>> pool;  // nodes never move: views into them stay valid
  std::lock_guard lock(mutex);
  auto it = pool.find(api_version);
  if (it == pool.end()) {
    it = pool.emplace(api_version).first;
  }
  return *it;
}

std::string string_field(Node object, std::string_view key) { return std::string(object[key].str()); }

Node Resource::spec() const { return root()["spec"]; }

Node Resource::labels() const { return root()["metadata"]["labels"]; }

}  // namespace grpcmesh::check
