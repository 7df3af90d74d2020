#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace grpcmesh::kube {

// A kind in an API group, without a version ("" is the core group).
struct GroupKind {
  std::string group;
  std::string kind;
  bool operator==(const GroupKind&) const = default;
};

// A served resource as discovery describes it.
struct ApiResource {
  std::string group;     // "" for the core group
  std::string version;   // e.g. "v1"
  std::string kind;      // e.g. "VirtualService"
  std::string resource;  // plural, e.g. "virtualservices"
  bool namespaced = true;
  std::vector<std::string> verbs;

  // "v1" or "group/version", as in an object's apiVersion.
  std::string api_version() const;
  // "services" or "virtualservices.networking.istio.io", as kubectl names it in messages.
  std::string qualified_resource() const;
  // The REST path: /api/v1/namespaces/NS/services[/NAME] or /apis/G/V/...;
  // an empty namespace (or a cluster-scoped resource) gives the all-namespaces path.
  std::string path(std::string_view namespace_name, std::string_view name = {}) const;
};

// Well-known kinds the commands use.
namespace kinds {
inline const GroupKind kNamespace{"", "Namespace"};
inline const GroupKind kService{"", "Service"};
inline const GroupKind kPod{"", "Pod"};
inline const GroupKind kSecret{"", "Secret"};
inline const GroupKind kConfigMap{"", "ConfigMap"};
inline const GroupKind kEndpointSlice{"discovery.k8s.io", "EndpointSlice"};
inline const GroupKind kDeployment{"apps", "Deployment"};
inline const GroupKind kIstioGateway{"networking.istio.io", "Gateway"};
inline const GroupKind kVirtualService{"networking.istio.io", "VirtualService"};
inline const GroupKind kDestinationRule{"networking.istio.io", "DestinationRule"};
inline const GroupKind kEnvoyFilter{"networking.istio.io", "EnvoyFilter"};
inline const GroupKind kGatewayApiGateway{"gateway.networking.k8s.io", "Gateway"};
inline const GroupKind kGrpcRoute{"gateway.networking.k8s.io", "GRPCRoute"};
inline const GroupKind kHttpRoute{"gateway.networking.k8s.io", "HTTPRoute"};
inline const GroupKind kCertificate{"cert-manager.io", "Certificate"};
inline const GroupKind kCertificateRequest{"cert-manager.io", "CertificateRequest"};
inline const GroupKind kIssuer{"cert-manager.io", "Issuer"};
inline const GroupKind kClusterIssuer{"cert-manager.io", "ClusterIssuer"};
}  // namespace kinds

// Splits an apiVersion ("v1", "networking.istio.io/v1") into group and version.
std::pair<std::string, std::string> split_api_version(std::string_view api_version);

}  // namespace grpcmesh::kube
