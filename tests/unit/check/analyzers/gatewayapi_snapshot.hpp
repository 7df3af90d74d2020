#pragma once

// A Gateway API setup that every Gateway API analyzer passes (namespace
// apps: Gateway gw of class istio with an h2c listener on 80 and an HTTPS
// listener on 443 for grpc.example.com, a Secret of its own namespace, a
// GRPCRoute to an h2c Service port), and a way to analyse it with objects
// added or replaced (a later object of the same kind and name replaces it).
#include <set>
#include <sstream>
#include <string>

#include "core/check/analyzer.hpp"
#include "core/check/file_loader.hpp"
#include "tests/unit/check/fixture_util.hpp"

namespace check_test {

inline const std::string kGatewayApiBase = R"(
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw, namespace: apps}
spec:
  gatewayClassName: istio
  listeners:
  - {name: h2c, port: 80, protocol: HTTP, hostname: grpc.example.com}
  - name: https
    port: 443
    protocol: HTTPS
    hostname: grpc.example.com
    tls: {mode: Terminate, certificateRefs: [{name: grpc-cert}]}
---
apiVersion: v1
kind: Service
metadata: {name: greeter, namespace: apps}
spec:
  ports: [{name: api, port: 50051, appProtocol: kubernetes.io/h2c}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: GRPCRoute
metadata: {name: greeter, namespace: apps}
spec:
  parentRefs: [{name: gw}]
  hostnames: [grpc.example.com]
  rules:
  - matches: [{method: {service: helloworld.Greeter}}]
    backendRefs: [{name: greeter, port: 50051}]
)";

// The base with `extra` (YAML documents) after it, analysed by every
// analyzer.
inline grpcmesh::check::Result gatewayapi_result(const std::string& extra) {
  grpcmesh::check::Snapshot snapshot;
  std::istringstream in(kGatewayApiBase + "\n---\n" + extra);
  grpcmesh::check::load_files(snapshot, {"-"}, in, "default");
  return grpcmesh::check::run(snapshot, grpcmesh::check::all_analyzers(), fixture_now());
}

// The keys ("CODE Kind ns/name") of the Gateway API findings (GM0061 to
// GM0066) of gatewayapi_result(extra).
inline std::set<std::string> gatewayapi_findings(const std::string& extra) {
  auto result = gatewayapi_result(extra);
  std::set<std::string> out;
  for (const std::string& key : finding_keys(result)) {
    if (key >= "GM0061" && key < "GM0067") {
      out.insert(key);
    }
  }
  return out;
}

// The GRPCRoute of the base with other parentRefs, hostnames or backendRefs.
inline std::string grpc_route(const std::string& ns, const std::string& parent_refs, const std::string& hostnames,
                              const std::string& backend_refs = "[{name: greeter, port: 50051}]") {
  return "apiVersion: gateway.networking.k8s.io/v1\nkind: GRPCRoute\nmetadata: {name: greeter, namespace: " + ns +
         "}\nspec:\n  parentRefs: " + parent_refs + "\n  hostnames: " + hostnames +
         "\n  rules:\n  - matches: [{method: {service: helloworld.Greeter}}]\n    backendRefs: " + backend_refs + "\n";
}

}  // namespace check_test
