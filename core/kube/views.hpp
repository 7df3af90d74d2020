#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/kube/resource.hpp"

namespace grpcmesh::kube {

// Typed read-only views over the objects the commands read. Each keeps the
// whole object in `raw`; `from(json)` never throws on missing fields (a view
// of a partial object has empty members).

struct ObjectMeta {
  std::string name;
  std::string namespace_name;
  std::map<std::string, std::string> labels;
  std::map<std::string, std::string> annotations;
  std::string resource_version;
  static ObjectMeta from(const nlohmann::json& object);
};

struct ServicePortView {
  std::string name;
  std::string protocol = "TCP";
  int port = 0;
  std::string target_port;  // number or name, as a string ("" when unset)
  std::string app_protocol;  // "" when unset
  int node_port = 0;
};

struct ServiceView {
  ObjectMeta meta;
  std::string type = "ClusterIP";
  std::map<std::string, std::string> selector;
  std::vector<ServicePortView> ports;
  std::vector<std::string> ingress_addresses;  // status.loadBalancer.ingress[].ip or hostname
  nlohmann::json raw;
  static GroupKind kind() { return kinds::kService; }
  static ServiceView from(const nlohmann::json& object);
};

struct EndpointView {
  std::vector<std::string> addresses;
  bool ready = true;  // conditions.ready (unset means ready)
  std::string target_pod;  // targetRef.name when it is a Pod
};

struct EndpointSliceView {
  ObjectMeta meta;
  std::string service_name;  // label kubernetes.io/service-name
  std::vector<std::pair<std::string, int>> ports;  // name, port
  std::vector<EndpointView> endpoints;
  nlohmann::json raw;
  static GroupKind kind() { return kinds::kEndpointSlice; }
  static EndpointSliceView from(const nlohmann::json& object);
};

struct PodView {
  ObjectMeta meta;
  std::string phase;
  bool ready = false;  // condition Ready=True
  std::vector<std::string> container_images;
  std::string pod_ip;
  nlohmann::json raw;
  static GroupKind kind() { return kinds::kPod; }
  static PodView from(const nlohmann::json& object);
};

// Secret keys are always listed; values only when the reader was asked for
// them (the view of a redacted object has empty values).
struct SecretView {
  ObjectMeta meta;
  std::string type;
  std::map<std::string, std::string> data;  // key -> decoded value (may be empty)
  nlohmann::json raw;
  static GroupKind kind() { return kinds::kSecret; }
  static SecretView from(const nlohmann::json& object);
};

struct GatewayServerView {
  int port = 0;
  std::string port_name;
  std::string protocol;
  std::vector<std::string> hosts;
  std::string tls_mode;         // "" when no tls block
  std::string credential_name;  // tls.credentialName
};

// networking.istio.io Gateway.
struct IstioGatewayView {
  ObjectMeta meta;
  std::map<std::string, std::string> selector;
  std::vector<GatewayServerView> servers;
  nlohmann::json raw;
  static GroupKind kind() { return kinds::kIstioGateway; }
  static IstioGatewayView from(const nlohmann::json& object);
};

struct VirtualServiceView {
  ObjectMeta meta;
  std::vector<std::string> hosts;
  std::vector<std::string> gateways;
  nlohmann::json http;  // spec.http as is (routes are analysed structurally)
  nlohmann::json raw;
  static GroupKind kind() { return kinds::kVirtualService; }
  static VirtualServiceView from(const nlohmann::json& object);
};

struct DestinationRuleView {
  ObjectMeta meta;
  std::string host;
  nlohmann::json traffic_policy;  // spec.trafficPolicy (null when unset)
  nlohmann::json raw;
  static GroupKind kind() { return kinds::kDestinationRule; }
  static DestinationRuleView from(const nlohmann::json& object);
};

struct EnvoyFilterView {
  ObjectMeta meta;
  std::map<std::string, std::string> workload_selector;  // spec.workloadSelector.labels
  nlohmann::json config_patches;
  nlohmann::json raw;
  static GroupKind kind() { return kinds::kEnvoyFilter; }
  static EnvoyFilterView from(const nlohmann::json& object);
};

struct ParentRefView {
  std::string name;
  std::string namespace_name;  // "" = the route's namespace
  std::string section_name;
};

struct GrpcRouteView {
  ObjectMeta meta;
  std::vector<ParentRefView> parent_refs;
  std::vector<std::string> hostnames;
  nlohmann::json rules;
  nlohmann::json raw;
  static GroupKind kind() { return kinds::kGrpcRoute; }
  static GrpcRouteView from(const nlohmann::json& object);
};

}  // namespace grpcmesh::kube
