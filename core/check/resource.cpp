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
// What the Gateway API's standard channel (v1.6) serves.
constexpr std::array<std::string_view, 2> kGatewayApiVersions = {"v1", "v1beta1"};

constexpr std::array kKinds = {
    KindInfo{Kind::Service, "Service", "", "services", kV1},
    KindInfo{Kind::EndpointSlice, "EndpointSlice", "discovery.k8s.io", "endpointslices", kDiscoveryVersions},
    KindInfo{Kind::Pod, "Pod", "", "pods", kV1},
    KindInfo{Kind::Secret, "Secret", "", "secrets", kV1},
    KindInfo{Kind::Gateway, "Gateway", "networking.istio.io", "gateways", kIstioVersions},
    KindInfo{Kind::VirtualService, "VirtualService", "networking.istio.io", "virtualservices", kIstioVersions},
    KindInfo{Kind::DestinationRule, "DestinationRule", "networking.istio.io", "destinationrules", kIstioVersions},
    KindInfo{Kind::EnvoyFilter, "EnvoyFilter", "networking.istio.io", "envoyfilters", kAlpha3},
    KindInfo{Kind::Certificate, "Certificate", "cert-manager.io", "certificates", kV1},
    KindInfo{Kind::CertificateRequest, "CertificateRequest", "cert-manager.io", "certificaterequests", kV1},
    KindInfo{Kind::Issuer, "Issuer", "cert-manager.io", "issuers", kV1},
    KindInfo{Kind::ClusterIssuer, "ClusterIssuer", "cert-manager.io", "clusterissuers", kV1},
    KindInfo{Kind::GatewayClass, "GatewayClass", kGatewayApiGroup, "gatewayclasses", kGatewayApiVersions},
    KindInfo{Kind::KubeGateway, "Gateway", kGatewayApiGroup, "gateways", kGatewayApiVersions},
    KindInfo{Kind::GRPCRoute, "GRPCRoute", kGatewayApiGroup, "grpcroutes", kV1},
    KindInfo{Kind::HTTPRoute, "HTTPRoute", kGatewayApiGroup, "httproutes", kGatewayApiVersions},
    KindInfo{Kind::ReferenceGrant, "ReferenceGrant", kGatewayApiGroup, "referencegrants", kGatewayApiVersions},
};
static_assert(kKinds.size() == kKindCount);

// The cluster-scoped kinds of Kubernetes v1.37, the Gateway API and
// cert-manager: group, kind (`kubectl api-resources --namespaced=false`).
constexpr std::array<std::pair<std::string_view, std::string_view>, 27> kClusterScoped = {{
    {"", "ComponentStatus"},
    {"", "Namespace"},
    {"", "Node"},
    {"", "PersistentVolume"},
    {"admissionregistration.k8s.io", "MutatingAdmissionPolicy"},
    {"admissionregistration.k8s.io", "MutatingAdmissionPolicyBinding"},
    {"admissionregistration.k8s.io", "MutatingWebhookConfiguration"},
    {"admissionregistration.k8s.io", "ValidatingAdmissionPolicy"},
    {"admissionregistration.k8s.io", "ValidatingAdmissionPolicyBinding"},
    {"admissionregistration.k8s.io", "ValidatingWebhookConfiguration"},
    {"apiextensions.k8s.io", "CustomResourceDefinition"},
    {"apiregistration.k8s.io", "APIService"},
    {"cert-manager.io", "ClusterIssuer"},
    {"certificates.k8s.io", "CertificateSigningRequest"},
    {"flowcontrol.apiserver.k8s.io", "FlowSchema"},
    {"flowcontrol.apiserver.k8s.io", "PriorityLevelConfiguration"},
    {"gateway.networking.k8s.io", "GatewayClass"},
    {"networking.k8s.io", "IngressClass"},
    {"networking.k8s.io", "IPAddress"},
    {"networking.k8s.io", "ServiceCIDR"},
    {"node.k8s.io", "RuntimeClass"},
    {"rbac.authorization.k8s.io", "ClusterRole"},
    {"rbac.authorization.k8s.io", "ClusterRoleBinding"},
    {"scheduling.k8s.io", "PriorityClass"},
    {"storage.k8s.io", "CSIDriver"},
    {"storage.k8s.io", "CSINode"},
    {"storage.k8s.io", "StorageClass"},
}};

}  // namespace

bool cluster_scoped(std::string_view group, std::string_view kind) {
  for (const auto& [g, k] : kClusterScoped) {
    if (g == group && k == kind) {
      return true;
    }
  }
  return false;
}

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

std::optional<Kind> kind_by_group_name(std::string_view group, std::string_view name) {
  if (name == "Gateway") {
    return group == kGatewayApiGroup ? Kind::KubeGateway : Kind::Gateway;
  }
  return kind_by_name(name);
}

bool gateway_api_kind(Kind kind) { return info(kind).group == kGatewayApiGroup; }

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
