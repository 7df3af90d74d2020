#include "core/gatewayapi/expose.hpp"

#include <doctest/doctest.h>

#include "core/util/error.hpp"
#include "core/util/yaml.hpp"
#include "tests/unit/mesh/fixtures.hpp"

using namespace grpcmesh::gatewayapi;
using grpcmesh::mesh::Change;
using grpcmesh::mesh::ChangeSet;
using grpcmesh::testing::error_of;

namespace {

nlohmann::json yaml(const std::string& text) { return grpcmesh::yaml::parse(text); }

ExposeOptions greeter() {
  ExposeOptions o;
  o.service = "greeter";
  o.namespace_name = "apps";
  o.host = "grpc.example.com";
  o.grpc_services = {"helloworld.Greeter"};
  return o;
}

ExposeFacts live() {
  ExposeFacts f;
  f.gateways = {"istio-ingress/grpc-example-com"};
  f.route_namespace = "istio-ingress";
  f.service = yaml(R"(
apiVersion: v1
kind: Service
metadata: {name: greeter, namespace: apps}
spec: {ports: [{name: api, port: 50051, protocol: TCP}]}
)");
  f.ready_endpoints = 1;
  return f;
}

const nlohmann::json* find_kind(const ChangeSet& cs, const std::string& kind) {
  for (const auto& c : cs.changes) {
    if (c.object.value("kind", "") == kind) {
      return &c.object;
    }
  }
  return nullptr;
}

}  // namespace

TEST_CASE("gateway-api expose: a GRPCRoute rule per Service, h2c on the port, a ReferenceGrant across namespaces") {
  ChangeSet cs = plan_expose(greeter(), live());
  REQUIRE(cs.changes.size() == 3);
  CHECK(cs.changes[0].object == yaml(R"(
apiVersion: v1
kind: Service
metadata: {name: greeter, namespace: apps}
spec: {ports: [{port: 50051, protocol: TCP, appProtocol: kubernetes.io/h2c}]}
)"));
  CHECK(cs.changes[1].object == yaml(R"(
apiVersion: gateway.networking.k8s.io/v1
kind: GRPCRoute
metadata:
  name: grpc-example-com
  namespace: istio-ingress
  labels: {app.kubernetes.io/managed-by: kubectl-grpcmesh}
spec:
  parentRefs: [{group: gateway.networking.k8s.io, kind: Gateway, name: grpc-example-com}]
  hostnames: [grpc.example.com]
  rules:
  - matches: [{method: {type: Exact, service: helloworld.Greeter}}]
    backendRefs: [{name: greeter, namespace: apps, port: 50051}]
)"));
  CHECK(cs.changes[2].object == yaml(R"(
apiVersion: gateway.networking.k8s.io/v1beta1
kind: ReferenceGrant
metadata:
  name: grpc-example-com-greeter
  namespace: apps
  labels: {app.kubernetes.io/managed-by: kubectl-grpcmesh}
spec:
  from: [{group: gateway.networking.k8s.io, kind: GRPCRoute, namespace: istio-ingress}]
  to: [{group: "", kind: Service, name: greeter}]
)"));
  CHECK(cs.warnings.empty());
}

TEST_CASE("gateway-api expose: --grpc-method, --app-protocol grpc, and a Service next to the route") {
  ExposeOptions o = greeter();
  o.grpc_services.clear();
  o.grpc_methods = {parse_grpc_method("helloworld.Greeter/SayHello")};
  o.app_protocol = "grpc";
  o.namespace_name = "istio-ingress";
  ExposeFacts f = live();
  f.service->at("metadata")["namespace"] = "istio-ingress";
  ChangeSet cs = plan_expose(o, f);
  REQUIRE(cs.changes.size() == 2);  // no ReferenceGrant
  CHECK(cs.changes[0].object["spec"]["ports"][0]["appProtocol"] == "grpc");
  CHECK(cs.changes[1].object["spec"]["rules"] == yaml(R"(
- matches: [{method: {type: Exact, service: helloworld.Greeter, method: SayHello}}]
  backendRefs: [{name: greeter, port: 50051}]
)"));
  CHECK(error_of([] { parse_grpc_method("helloworld.Greeter"); }) ==
        "--grpc-method helloworld.Greeter is not SERVICE/METHOD (e.g. helloworld.Greeter/SayHello)");
}

TEST_CASE("gateway-api expose: rules of other Services are kept, their matches are not taken without --force-conflicts") {
  ExposeFacts f = live();
  f.route = plan_expose(greeter(), live()).changes[1].object;
  ExposeOptions echo = greeter();
  echo.service = "echo";
  echo.grpc_services = {};  // the catch-all
  f.service->at("metadata")["name"] = "echo";
  ChangeSet cs = plan_expose(echo, f);
  const nlohmann::json* route = find_kind(cs, "GRPCRoute");
  REQUIRE(route);
  const auto& rules = (*route)["spec"]["rules"];
  REQUIRE(rules.size() == 2);
  CHECK(rules[0]["backendRefs"][0]["name"] == "greeter");
  CHECK(rules[1] == yaml("{backendRefs: [{name: echo, namespace: apps, port: 50051}]}"));

  echo.grpc_services = {"helloworld.Greeter"};
  CHECK(error_of([&] { plan_expose(echo, f); }) ==
        "helloworld.Greeter on grpc.example.com goes to Service apps/greeter already; pass --force-conflicts to "
        "route it to apps/echo instead");
  echo.force = true;
  const auto taken = (*find_kind(plan_expose(echo, f), "GRPCRoute"))["spec"]["rules"];
  REQUIRE(taken.size() == 1);  // greeter's rule had no match left: dropped, not turned into a catch-all
  CHECK(taken[0]["backendRefs"][0]["name"] == "echo");
}

TEST_CASE("gateway-api expose: a re-run for the same Service replaces its rule, --remove takes it back") {
  ExposeFacts f = live();
  f.route = plan_expose(greeter(), live()).changes[1].object;
  ExposeOptions o = greeter();
  o.grpc_services = {"helloworld.Greeter", "helloworld.Farewell"};
  const auto rules = (*find_kind(plan_expose(o, f), "GRPCRoute"))["spec"]["rules"];
  REQUIRE(rules.size() == 1);
  CHECK(rules[0]["matches"].size() == 2);

  f.reference_grant = plan_expose(greeter(), live()).changes[2].object;
  f.service->at("spec")["ports"][0]["appProtocol"] = "kubernetes.io/h2c";
  ChangeSet again = plan_expose(greeter(), f);
  CHECK(again.changes.size() == 2);  // the port is h2c already
  CHECK(again.notes[0] == "Port 50051 of Service apps/greeter already has appProtocol kubernetes.io/h2c");

  ExposeOptions remove = greeter();
  remove.remove = true;
  ChangeSet cs = plan_expose(remove, f);
  REQUIRE(cs.changes.size() == 3);
  for (const auto& c : cs.changes) {
    CHECK(c.kind == Change::Kind::Release);
  }
  CHECK(cs.changes[1].object.value("kind", "") == "GRPCRoute");
  CHECK(cs.changes[2].object.value("kind", "") == "ReferenceGrant");
}

TEST_CASE("gateway-api expose: a GRPCRoute of the host's name that is not ours, and --dry-run=client without a Gateway") {
  ExposeFacts f = live();
  f.route = yaml("{apiVersion: gateway.networking.k8s.io/v1, kind: GRPCRoute, metadata: {name: grpc-example-com, "
                 "namespace: istio-ingress}}");
  CHECK(error_of([&] { plan_expose(greeter(), f); }) ==
        "GRPCRoute istio-ingress/grpc-example-com already exists and was not created by kubectl-grpcmesh; rename or "
        "delete it, since expose owns that GRPCRoute's rules");
  CHECK(error_of([] { expose_facts_from_flags(greeter()); }) ==
        "--dry-run=client cannot look up the host's Gateway; pass --gateway-namespace (e.g. istio-ingress) or "
        "--gateway NAMESPACE/NAME");
  ExposeOptions o = greeter();
  o.gateway = "infra/shared";
  CHECK(expose_facts_from_flags(o).route_namespace == "infra");
}
