#pragma once
// Which API a command writes a host's configuration in: Istio's own
// (networking.istio.io Gateway and VirtualService) or the Kubernetes Gateway
// API (gateway.networking.k8s.io Gateway and GRPCRoute), and why.

#include <optional>
#include <string>

namespace grpcmesh::gatewayapi {

enum class Api { Istio, GatewayApi };

// "istio" or "gateway-api"; anything else is a UsageError naming --api.
Api parse_api(const std::string& value);
std::string api_flag_value(Api api);

// What the cluster (or the files) says about a host, for the default.
struct ApiFacts {
  std::string host;
  std::string istio_gateway;        // "ns/name" of an Istio Gateway serving the host, "" for none
  std::string gateway_api_gateway;  // "ns/name" of a Gateway API Gateway with a listener for the host
  bool gateway_api_served = false;  // the Gateway API CRDs (gateway.networking.k8s.io/v1) are served
  bool istio_ingress_pods = false;  // Istio ingress gateway pods (the --selector) are there
  std::string selector = "istio=ingressgateway";
};

struct ApiChoice {
  Api api = Api::Istio;
  std::string reason;
};

// The rule: --api when given; else what the host already uses; else, for a
// new host, the Gateway API when the cluster serves its CRDs and runs no
// Istio ingress gateway pods, Istio's API otherwise. `facts` is empty when
// no cluster is read (--dry-run=client): then Istio's API unless --api says
// otherwise. A host on both APIs needs --api (UsageError).
ApiChoice choose_api(const std::optional<Api>& flag, const std::optional<ApiFacts>& facts);

// The line a command prints: "API: gateway-api (gateway.networking.k8s.io/v1 Gateway and GRPCRoute): REASON".
std::string describe(const ApiChoice& choice);

}  // namespace grpcmesh::gatewayapi
