#include "core/mesh/gatewayapi_read.hpp"

#include <doctest/doctest.h>

#include <sstream>

#include "core/mesh/local_state.hpp"
#include "core/util/yaml.hpp"
#include "tests/unit/mesh/fixtures.hpp"

using namespace grpcmesh::mesh;
using grpcmesh::gatewayapi::Api;
using grpcmesh::testing::error_of;

namespace {

LocalState from_yaml(const std::string& text) {
  std::istringstream in(text);
  return LocalState::load({"-"}, in, "default", "kubectl-grpcmesh");
}

const char* kSharedGateway = R"(
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: shared, namespace: infra}
spec:
  gatewayClassName: istio
  listeners:
  - {name: web, hostname: www.example.com, port: 443, protocol: HTTPS,
     tls: {mode: Terminate, certificateRefs: [{name: www}]}}
)";

const char* kIstioIngress = R"(
apiVersion: v1
kind: Service
metadata: {name: istio-ingressgateway, namespace: istio-system}
spec:
  selector: {istio: ingressgateway}
  ports: [{name: https, port: 443}]
)";

const Labels kSelector{{"istio", "ingressgateway"}};

}  // namespace

TEST_CASE("gateway-api read: the API a host uses, from the files") {
  LocalState shared = from_yaml(kSharedGateway);
  auto f = read_api_facts(shared, "www.example.com", kSelector);
  CHECK(f.gateway_api_served);
  CHECK(f.gateway_api_gateway == "infra/shared");
  CHECK(f.istio_gateway.empty());
  CHECK_FALSE(f.istio_ingress_pods);
  CHECK(choose_api(&shared, std::nullopt, "www.example.com", kSelector).api == Api::GatewayApi);
  // A new host: the Gateway API is served and no Istio ingress gateway is there.
  CHECK(choose_api(&shared, std::nullopt, "grpc.example.com", kSelector).api == Api::GatewayApi);

  LocalState both = from_yaml(std::string(kSharedGateway) + "---\n" + kIstioIngress);
  CHECK(read_api_facts(both, "grpc.example.com", kSelector).istio_ingress_pods);
  CHECK(choose_api(&both, std::nullopt, "grpc.example.com", kSelector).api == Api::Istio);
  CHECK(choose_api(&both, std::nullopt, "www.example.com", kSelector).api == Api::GatewayApi);

  LocalState istio_only = from_yaml(kIstioIngress);
  CHECK_FALSE(read_api_facts(istio_only, "grpc.example.com", kSelector).gateway_api_served);
  CHECK(choose_api(&istio_only, std::nullopt, "grpc.example.com", kSelector).api == Api::Istio);
  CHECK(choose_api(nullptr, std::nullopt, "grpc.example.com", kSelector).api == Api::Istio);
}

TEST_CASE("gateway-api read: init's facts, also from files without the Gateway API") {
  LocalState shared = from_yaml(kSharedGateway);
  grpcmesh::gatewayapi::InitOptions o;
  o.host = "grpc.example.com";
  o.gateway = "infra/shared";
  auto f = read_gateway_init_facts(shared, o);
  CHECK(f.known);
  REQUIRE(f.gateway);
  CHECK((*f.gateway)["metadata"]["name"] == "shared");
  CHECK_FALSE(f.credential_exists.has_value());  // the files hold no Secrets

  // Files without any Gateway API object yet: --api gateway-api starts the first one.
  LocalState istio_only = from_yaml(kIstioIngress);
  o.gateway.clear();
  o.namespace_name = "istio-ingress";
  auto first = read_gateway_init_facts(istio_only, o);
  CHECK(first.known);
  CHECK_FALSE(first.gateway.has_value());
}

TEST_CASE("gateway-api read: --local merges the host's listener into a shared Gateway by name") {
  LocalState shared = from_yaml(kSharedGateway);
  ChangeSet cs;
  cs.changes.push_back({Change::Kind::Apply, grpcmesh::yaml::parse(R"(
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: shared, namespace: infra}
spec:
  listeners:
  - {name: grpc-example-com-h2c, hostname: grpc.example.com, port: 80, protocol: HTTP}
)")});
  const LocalResult r = shared.apply(cs);
  REQUIRE(r.objects.size() == 1);
  const auto& listeners = r.objects[0]["spec"]["listeners"];
  REQUIRE(listeners.size() == 2);
  CHECK(listeners[0]["name"] == "web");
  CHECK(listeners[1]["name"] == "grpc-example-com-h2c");
  CHECK(r.objects[0]["spec"]["gatewayClassName"] == "istio");
}

TEST_CASE("gateway-api read: expose finds the host's Gateway, its route and the Service, tls the HTTPS listener") {
  LocalState files = from_yaml(std::string(kSharedGateway) + R"(
---
apiVersion: v1
kind: Service
metadata: {name: greeter, namespace: apps}
spec: {ports: [{name: api, port: 50051}]}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: web, namespace: infra}
spec: {hostnames: [www.example.com]}
)");
  grpcmesh::gatewayapi::ExposeOptions o;
  o.service = "greeter";
  o.namespace_name = "apps";
  o.host = "www.example.com";
  auto f = read_gateway_expose_facts(files, o);
  CHECK(f.gateways == std::vector<std::string>{"infra/shared"});
  CHECK(f.route_namespace == "infra");
  CHECK(f.service.has_value());
  REQUIRE(f.other_routes.size() == 1);
  CHECK(f.other_routes[0]["kind"] == "HTTPRoute");
  o.host = "grpc.example.com";
  CHECK(error_of([&] { read_gateway_expose_facts(files, o); }) ==
        "no Gateway API Gateway has a listener for grpc.example.com; run kubectl grpcmesh init --host "
        "grpc.example.com --api gateway-api first, or pass --gateway NAMESPACE/NAME");

  grpcmesh::gatewayapi::TlsOptions t;
  t.host = "www.example.com";
  auto tf = read_gateway_tls_facts(files, t);
  REQUIRE(tf.listener.has_value());
  CHECK(tf.listener->name == "web");
  CHECK(tf.gateway_namespace == "infra");
  CHECK(grpcmesh::gatewayapi::tls_secret_ref(t, tf) == std::make_pair(std::string("infra"), std::string("www")));
}

TEST_CASE("gateway-api read: a re-run without --gateway or --gateway-namespace finds the host's listeners") {
  LocalState files = from_yaml(std::string(kSharedGateway) + R"(
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: grpc-example-com, namespace: istio-ingress, labels: {app.kubernetes.io/managed-by: kubectl-grpcmesh}}
spec:
  gatewayClassName: istio
  listeners:
  - {name: grpc-example-com-h2c, hostname: grpc.example.com, port: 80, protocol: HTTP}
)");
  grpcmesh::gatewayapi::InitOptions own;
  own.host = "grpc.example.com";
  find_gateway_init_target(files, own);
  CHECK(own.namespace_name == "istio-ingress");
  CHECK(own.gateway.empty());

  LocalState shared = from_yaml(R"(
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: shared, namespace: infra}
spec:
  gatewayClassName: istio
  listeners:
  - {name: grpc-example-com-https, hostname: grpc.example.com, port: 443, protocol: HTTPS,
     tls: {mode: Terminate, certificateRefs: [{name: x}]}}
)");
  grpcmesh::gatewayapi::InitOptions attached;
  attached.host = "grpc.example.com";
  find_gateway_init_target(shared, attached);
  CHECK(attached.gateway == "infra/shared");
  grpcmesh::gatewayapi::InitOptions other;
  other.host = "new.example.com";
  find_gateway_init_target(shared, other);
  CHECK(other.gateway.empty());
  CHECK(other.namespace_name.empty());
}
