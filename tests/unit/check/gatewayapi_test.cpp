// The Gateway API's kinds as check reads them: by group (a Gateway of
// gateway.networking.k8s.io is not Istio's), with their status, from files
// and from the API server's list pages; and the attachment rules of
// core/check/gatewayapi.hpp.
#include "core/check/gatewayapi.hpp"

#include <doctest/doctest.h>

#include <sstream>

#include "core/check/decoder.hpp"
#include "core/check/file_loader.hpp"
#include "tests/unit/check/fixture_util.hpp"

using namespace grpcmesh::check;

TEST_CASE("gatewayapi: kinds are told apart by group") {
  CHECK(kind_by_group_name("gateway.networking.k8s.io", "Gateway") == Kind::KubeGateway);
  CHECK(kind_by_group_name("networking.istio.io", "Gateway") == Kind::Gateway);
  // A wrong group is still Istio's Gateway, whose apiVersion is not served (GM0002).
  CHECK(kind_by_group_name("networking.io", "Gateway") == Kind::Gateway);
  CHECK(kind_by_group_name("gateway.networking.k8s.io", "GRPCRoute") == Kind::GRPCRoute);
  CHECK(kind_by_group_name("gateway.networking.k8s.io", "ReferenceGrant") == Kind::ReferenceGrant);
  CHECK(gateway_api_kind(Kind::HTTPRoute));
  CHECK_FALSE(gateway_api_kind(Kind::Gateway));
  CHECK(cluster_scoped("gateway.networking.k8s.io", "GatewayClass"));
}

TEST_CASE("gatewayapi: files hold Gateway API objects, read with their status and without GM0001") {
  Snapshot s;
  std::istringstream in(R"(
apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: istio}
spec: {controllerName: istio.io/gateway-controller}
status:
  conditions: [{type: Accepted, status: "True", reason: Accepted}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw, namespace: apps, annotations: {a: b}, creationTimestamp: "2026-01-01T00:00:00Z"}
spec:
  gatewayClassName: istio
  listeners: [{name: h2c, port: 80, protocol: HTTP}]
status:
  addresses: [{type: IPAddress, value: 10.0.0.1}]
  conditions: [{type: Programmed, status: "True", reason: Programmed}]
  listeners: [{name: h2c, attachedRoutes: 1, conditions: []}]
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: gw, namespace: apps}
spec: {selector: {istio: ingressgateway}}
---
apiVersion: gateway.networking.k8s.io/v1
kind: GRPCRoute
metadata: {name: r, namespace: apps}
spec: {parentRefs: [{name: gw}]}
status:
  parents: [{parentRef: {name: gw}, controllerName: istio.io/gateway-controller, conditions: []}]
---
apiVersion: gateway.networking.k8s.io/v1beta1
kind: HTTPRoute
metadata: {name: r, namespace: apps}
spec: {parentRefs: [{name: gw}]}
---
apiVersion: gateway.networking.k8s.io/v1beta1
kind: ReferenceGrant
metadata: {name: g, namespace: apps}
spec: {from: [], to: []}
---
apiVersion: gateway.networking.k8s.io/v1alpha2
kind: GRPCRoute
metadata: {name: old, namespace: apps}
spec: {}
)");
  load_files(s, {"-"}, in, "default");
  CHECK(s.ignored().empty());
  const Resource* gc = s.find(Kind::GatewayClass, "", "istio");
  REQUIRE(gc != nullptr);
  CHECK(gc->root()["status"]["conditions"][0]["reason"] == "Accepted");
  const Resource* gw = s.find(Kind::KubeGateway, "apps", "gw");
  REQUIRE(gw != nullptr);
  CHECK(gw->spec()["gatewayClassName"] == "istio");
  CHECK(gw->root()["status"]["addresses"][0]["value"] == "10.0.0.1");
  CHECK(gw->root()["status"]["listeners"][0]["attachedRoutes"].get<int>() == 1);
  CHECK(gw->root()["metadata"]["annotations"].is_null());
  // Istio's Gateway of the same name is a different object.
  const Resource* istio_gw = s.find(Kind::Gateway, "apps", "gw");
  REQUIRE(istio_gw != nullptr);
  CHECK(istio_gw->root()["status"].is_null());
  CHECK(s.find(Kind::GRPCRoute, "apps", "r")->root()["status"]["parents"][0]["controllerName"] ==
        "istio.io/gateway-controller");
  CHECK(s.find(Kind::HTTPRoute, "apps", "r") != nullptr);
  CHECK(s.find(Kind::ReferenceGrant, "apps", "g") != nullptr);
  // GRPCRoute v1alpha2 is not served by the standard channel's CRDs.
  REQUIRE(s.rejected(Kind::GRPCRoute).size() == 1);
  CHECK(s.rejected(Kind::GRPCRoute).front().name == "old");
}

TEST_CASE("gatewayapi: a list page of Gateways from the API server is the Gateway API's") {
  Snapshot s;
  Decoder decoder(s, "");
  ObjectReader reader(decoder, "");
  reader.set_item_type("gateway.networking.k8s.io/v1", "Gateway");
  reader.feed_json(R"({"kind":"GatewayList","apiVersion":"gateway.networking.k8s.io/v1","metadata":{},)"
                   R"("items":[{"metadata":{"name":"gw","namespace":"apps"},"spec":{"gatewayClassName":"istio"},)"
                   R"("status":{"conditions":[{"type":"Accepted","status":"True"}]}}]})");
  CHECK(s.find(Kind::Gateway, "apps", "gw") == nullptr);
  const Resource* gw = s.find(Kind::KubeGateway, "apps", "gw");
  REQUIRE(gw != nullptr);
  CHECK(gw->root()["status"]["conditions"][0]["type"] == "Accepted");
}
