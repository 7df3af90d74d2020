#include "core/kube/views.hpp"

#include <doctest/doctest.h>

using namespace grpcmesh::kube;
using nlohmann::json;

TEST_CASE("views: Service with ports, appProtocol and load balancer status") {
  auto v = ServiceView::from(json::parse(R"({
    "apiVersion":"v1","kind":"Service",
    "metadata":{"name":"istio-ingressgateway","namespace":"istio-system","labels":{"istio":"ingressgateway"}},
    "spec":{"type":"LoadBalancer","selector":{"istio":"ingressgateway"},
            "ports":[{"name":"http2","port":80,"targetPort":8080},{"port":443,"targetPort":"https","appProtocol":"https"}]},
    "status":{"loadBalancer":{"ingress":[{"ip":"127.0.0.1"},{"hostname":"lb.example.com"}]}}})"));
  CHECK(v.meta.name == "istio-ingressgateway");
  CHECK(v.meta.labels.at("istio") == "ingressgateway");
  CHECK(v.type == "LoadBalancer");
  REQUIRE(v.ports.size() == 2);
  CHECK(v.ports[0].name == "http2");
  CHECK(v.ports[0].target_port == "8080");
  CHECK(v.ports[0].protocol == "TCP");
  CHECK(v.ports[1].target_port == "https");
  CHECK(v.ports[1].app_protocol == "https");
  CHECK(v.ingress_addresses == std::vector<std::string>{"127.0.0.1", "lb.example.com"});
}

TEST_CASE("views: partial objects give empty members, never throw") {
  CHECK(ServiceView::from(json::object()).ports.empty());
  CHECK(IstioGatewayView::from(json{{"spec", nullptr}}).servers.empty());
  CHECK(PodView::from(json::array()).meta.name.empty());
}

TEST_CASE("views: Istio Gateway servers and TLS") {
  auto g = IstioGatewayView::from(json::parse(R"({"metadata":{"name":"gw","namespace":"istio-system"},
    "spec":{"selector":{"istio":"ingressgateway"},"servers":[
      {"port":{"number":443,"name":"https","protocol":"HTTPS"},"hosts":["a.example.com"],"tls":{"mode":"SIMPLE","credentialName":"a-cert"}},
      {"port":{"number":80,"name":"grpc","protocol":"GRPC"},"hosts":["*"]}]}})"));
  REQUIRE(g.servers.size() == 2);
  CHECK(g.servers[0].tls_mode == "SIMPLE");
  CHECK(g.servers[0].credential_name == "a-cert");
  CHECK(g.servers[1].tls_mode.empty());
  CHECK(g.selector.at("istio") == "ingressgateway");
}

TEST_CASE("views: EndpointSlice readiness, Pod readiness, Secret decoding, GRPCRoute parents") {
  auto es = EndpointSliceView::from(json::parse(R"({"metadata":{"name":"s-1","labels":{"kubernetes.io/service-name":"s"}},
    "ports":[{"name":"grpc","port":50051}],
    "endpoints":[{"addresses":["10.0.0.1"],"conditions":{"ready":false},"targetRef":{"kind":"Pod","name":"p1"}},
                 {"addresses":["10.0.0.2"]}]})"));
  CHECK(es.service_name == "s");
  REQUIRE(es.endpoints.size() == 2);
  CHECK_FALSE(es.endpoints[0].ready);
  CHECK(es.endpoints[0].target_pod == "p1");
  CHECK(es.endpoints[1].ready);

  auto pod = PodView::from(json::parse(R"({"metadata":{"name":"p"},"spec":{"containers":[{"image":"istio/proxyv2:1.31.0"}]},
    "status":{"phase":"Running","conditions":[{"type":"Ready","status":"True"}]}})"));
  CHECK(pod.ready);
  CHECK(pod.container_images == std::vector<std::string>{"istio/proxyv2:1.31.0"});

  auto secret = SecretView::from(json::parse(R"({"metadata":{"name":"c"},"type":"kubernetes.io/tls","data":{"tls.crt":"Q0VSVA==","tls.key":""}})"));
  CHECK(secret.data.at("tls.crt") == "CERT");
  CHECK(secret.data.at("tls.key").empty());

  auto route = GrpcRouteView::from(json::parse(R"({"metadata":{"name":"r"},"spec":{"parentRefs":[{"name":"gw","namespace":"infra","sectionName":"grpc"}],"hostnames":["a"]}})"));
  REQUIRE(route.parent_refs.size() == 1);
  CHECK(route.parent_refs[0].namespace_name == "infra");
  CHECK(route.parent_refs[0].section_name == "grpc");
}
