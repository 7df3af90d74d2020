#pragma once

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "core/check/tree.hpp"

namespace grpcmesh::check {

// The kinds `check` understands. Everything else in the input is ignored with
// an info message.
enum class Kind {
  Service,
  EndpointSlice,
  Pod,
  Secret,
  Gateway,
  VirtualService,
  DestinationRule,
  EnvoyFilter,
  // cert-manager's, read when served (none when cert-manager is not installed)
  Certificate,
  CertificateRequest,
  Issuer,
  ClusterIssuer,
  // the Gateway API's (gateway.networking.k8s.io), read when served
  GatewayClass,
  KubeGateway,  // the Gateway API's Gateway (Gateway is Istio's)
  GRPCRoute,
  HTTPRoute,
  ReferenceGrant,
};
constexpr size_t kKindCount = 17;

// The Gateway API's group.
constexpr std::string_view kGatewayApiGroup = "gateway.networking.k8s.io";

// How a kind is addressed: its API group and the versions the API serves.
struct KindInfo {
  Kind kind;
  std::string_view name;      // "VirtualService"
  std::string_view group;     // "" for the core group
  std::string_view resource;  // plural, as in the REST path
  std::span<const std::string_view> versions;  // newest first
};

std::span<const KindInfo> known_kinds();
const KindInfo& info(Kind kind);
std::string_view kind_name(Kind kind);
// Looks a kind up by its name alone ("Gateway" -> Istio's Gateway).
std::optional<Kind> kind_by_name(std::string_view name);
// Looks a kind up by its API group and name: "Gateway" is the Gateway API's
// in gateway.networking.k8s.io, Istio's in any other group (an Istio Gateway
// with a wrong group is still one, whose apiVersion is not served).
std::optional<Kind> kind_by_group_name(std::string_view group, std::string_view name);
// Whether the kind is one of the Gateway API's.
bool gateway_api_kind(Kind kind);

// Whether the API server keeps objects of this kind outside namespaces
// (Namespace, ClusterRole, CustomResourceDefinition, GatewayClass, ...), as
// `kubectl api-resources --namespaced=false` lists them for Kubernetes and
// the Gateway API. Such an object has no namespace, whatever its metadata says.
bool cluster_scoped(std::string_view group, std::string_view kind);

// "Kind namespace/name" address of an object, used in findings ("Kind name"
// for a cluster-scoped one, whose namespace is empty).
struct ResourceRef {
  std::string kind;
  std::string namespace_name;
  std::string name;
  bool operator==(const ResourceRef&) const = default;
  auto operator<=>(const ResourceRef&) const = default;
};

struct TlsCredential;

// Where an object came from: a file and line ("file.yaml:12"), or nothing
// for the cluster. The file name is shared by all the objects of a file.
struct Origin {
  std::shared_ptr<const std::string> file;
  int line = 0;
  std::string str() const;
};

// One object of the snapshot with where it came from. `object` keeps only the
// fields analyzers read (metadata name, namespace and labels, spec, ...;
// never managedFields, annotations or secret data): see file_loader.hpp.
struct Resource {
  Kind kind;
  std::string_view api_version;  // interned (intern_api_version): valid for the process's life
  std::string namespace_name;
  std::string name;
  Tree object;
  Origin origin;
  // Secrets: what their data holds for a TLS server (read once, when loaded).
  std::shared_ptr<const TlsCredential> credential = {};

  ResourceRef ref() const { return {std::string(kind_name(kind)), namespace_name, name}; }
  Node root() const { return object.root(); }
  Node spec() const;
  Node labels() const;
};

// One copy of each apiVersion text for every Resource that has it (a handful
// of values across thousands of objects); thread-safe, never freed.
std::string_view intern_api_version(std::string_view api_version);

// Safe access: the value at `key`, or a null node.
inline Node field(Node object, std::string_view key) { return object[key]; }
std::string string_field(Node object, std::string_view key);

}  // namespace grpcmesh::check
