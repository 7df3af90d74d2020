#include "core/grpc/gateway.hpp"

#include <doctest/doctest.h>

#include <functional>

#include "core/util/error.hpp"

namespace grpcmesh::grpc {
namespace {

using nlohmann::json;

json gateway(const json& servers) {
  return {{"metadata", {{"namespace", "istio-system"}, {"name", "grpc-gateway"}}},
          {"spec", {{"selector", {{"istio", "ingressgateway"}}}, {"servers", servers}}}};
}

json server(const std::string& protocol, int port, const std::string& host) {
  json s = {{"port", {{"number", port}, {"name", "p" + std::to_string(port)}, {"protocol", protocol}}},
            {"hosts", {host}}};
  if (protocol == "HTTPS") {
    s["tls"] = {{"mode", "SIMPLE"}, {"credentialName", "grpc-cert"}};
  }
  return s;
}

json pod() {
  return {{"metadata", {{"namespace", "istio-system"}, {"name", "gw-1"}, {"labels", {{"istio", "ingressgateway"}}}}},
          {"status", {{"conditions", {{{"type", "Ready"}, {"status", "True"}}}}}}};
}

json service(const json& status, const std::string& type = "LoadBalancer") {
  return {{"metadata", {{"namespace", "istio-system"}, {"name", "istio-ingressgateway"}}},
          {"spec",
           {{"type", type},
            {"selector", {{"istio", "ingressgateway"}}},
            {"ports",
             {{{"name", "http2"}, {"port", 80}, {"targetPort", 8080}, {"nodePort", 30080}},
              {{"name", "https"}, {"port", 443}, {"targetPort", 8443}, {"nodePort", 30443}}}}}},
          {"status", status}};
}

const json kLoadBalancerIp = {{"loadBalancer", {{"ingress", {{{"ip", "203.0.113.7"}}}}}}};

GatewayInputs inputs(const json& servers, const json& status, std::vector<json> nodes = {}) {
  return GatewayInputs{{gateway(servers)}, {pod()}, {service(status)}, std::move(nodes)};
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("--host: an HTTPS server on the load-balancer IP means TLS with SNI and :authority = HOST") {
  json servers = {server("HTTP2", 8080, "grpc.example.com"), server("HTTPS", 8443, "grpc.example.com")};
  GatewayRoute r = resolve_gateway("grpc.example.com", inputs(servers, kLoadBalancerIp), false, false);
  CHECK(r.address == "203.0.113.7:443");  // the Service port whose targetPort is the server port
  CHECK_FALSE(r.plaintext);
  CHECK(r.servername == "grpc.example.com");
  CHECK(r.authority == "grpc.example.com");
  CHECK(r.notes.front() == "host grpc.example.com: Gateway istio-system/grpc-gateway server 1 (HTTPS port 8443, TLS SIMPLE)");
  CHECK(r.notes.at(2) == "address 203.0.113.7:443 from status.loadBalancer.ingress[].ip");
}

TEST_CASE("--host with -plaintext prefers an HTTP2 server: h2c with :authority = HOST") {
  json servers = {server("HTTPS", 443, "*.example.com"), server("HTTP2", 80, "grpc.example.com")};
  GatewayRoute r = resolve_gateway("grpc.example.com", inputs(servers, kLoadBalancerIp), true, false);
  CHECK(r.address == "203.0.113.7:80");
  CHECK(r.plaintext);
  CHECK(r.servername.empty());
  CHECK(r.authority == "grpc.example.com");
}

TEST_CASE("--host: a load-balancer hostname, else a NodePort on a node address") {
  json servers = json::array({server("HTTPS", 443, "grpc.example.com")});
  json by_name = {{"loadBalancer", {{"ingress", {{{"hostname", "lb.example.net"}}}}}}};
  CHECK(resolve_gateway("grpc.example.com", inputs(servers, by_name), false, false).address == "lb.example.net:443");
  json node = {{"status", {{"addresses", {{{"type", "InternalIP"}, {"address", "10.0.0.5"}}}}}}};
  GatewayRoute r = resolve_gateway("grpc.example.com", inputs(servers, json::object(), {node}), false, false);
  CHECK(r.address == "10.0.0.5:30443");
}

TEST_CASE("--host without an external address needs --port-forward, and names the Service to tunnel to") {
  json servers = json::array({server("HTTPS", 443, "grpc.example.com")});
  CHECK(error_of([&] { resolve_gateway("grpc.example.com", inputs(servers, json::object()), false, false); }) ==
        "the gateway Service istio-system/istio-ingressgateway has no external address (no load-balancer ingress, no "
        "reachable NodePort): add --port-forward to tunnel through kubectl port-forward");
  GatewayRoute r = resolve_gateway("grpc.example.com", inputs(servers, json::object()), false, true);
  CHECK(r.address.empty());
  CHECK(r.service_namespace == "istio-system");
  CHECK(r.service_name == "istio-ingressgateway");
  CHECK(r.service_port == 443);
}

TEST_CASE("--host: no Gateway for the host, or a server port the Service does not expose, is a clear error") {
  json servers = json::array({server("HTTPS", 443, "other.example.com")});
  CHECK(error_of([&] { resolve_gateway("grpc.example.com", inputs(servers, kLoadBalancerIp), false, false); }) ==
        "no Istio Gateway server (networking.istio.io) serves host \"grpc.example.com\" over HTTPS, HTTP2, GRPC or "
        "HTTP, and no Gateway API listener (gateway.networking.k8s.io) over HTTPS, TLS or HTTP: create one with "
        "'kubectl grpcmesh init --host grpc.example.com', or pass the address instead of --host");
  json odd = json::array({server("HTTPS", 9443, "grpc.example.com")});
  CHECK(error_of([&] { resolve_gateway("grpc.example.com", inputs(odd, kLoadBalancerIp), false, false); }) ==
        "Service istio-system/istio-ingressgateway does not expose the Gateway server port 9443 (as port or "
        "targetPort): add the port to the Service");
}

}  // namespace grpcmesh::grpc

namespace grpcmesh::grpc {

TEST_CASE("--port-forward reads the local address from kubectl port-forward's output, once it is complete") {
  CHECK_FALSE(forwarded_address("").has_value());
  CHECK_FALSE(forwarded_address("Forwarding from 127.0.0.1:41").has_value());  // the line is still arriving
  CHECK(forwarded_address("Forwarding from 127.0.0.1:41234 -> 8443\nForwarding from [::1]:41234 -> 8443\n") ==
        "127.0.0.1:41234");
  CHECK_FALSE(forwarded_address("error: unable to forward port because pod is not running\n").has_value());
}

}  // namespace grpcmesh::grpc

namespace grpcmesh::grpc {
namespace {

// A Gateway API Gateway apps/gw of class istio, its status.addresses, and the
// Service istiod deploys for it (apps/gw-istio, one port per listener).
json kube_gateway(const json& listeners, const json& addresses = json::array()) {
  return {{"metadata", {{"namespace", "apps"}, {"name", "gw"}}},
          {"spec", {{"gatewayClassName", "istio"}, {"listeners", listeners}}},
          {"status", {{"addresses", addresses}}}};
}

json listener(const std::string& name, const std::string& protocol, int port, const std::string& hostname) {
  json l = {{"name", name}, {"protocol", protocol}, {"port", port}};
  if (!hostname.empty()) {
    l["hostname"] = hostname;
  }
  if (protocol == "HTTPS") {
    l["tls"] = {{"mode", "Terminate"}, {"certificateRefs", {{{"name", "grpc-cert"}}}}};
  }
  return l;
}

json deployed_service(const json& ingress = json::array()) {
  return {{"metadata",
           {{"namespace", "apps"}, {"name", "gw-istio"}, {"labels", {{"gateway.networking.k8s.io/gateway-name", "gw"}}}}},
          {"spec",
           {{"type", "LoadBalancer"},
            {"clusterIP", "10.96.0.9"},
            {"selector", {{"gateway.networking.k8s.io/gateway-name", "gw"}}},
            {"ports",
             {{{"name", "h2c"}, {"port", 80}, {"nodePort", 30080}}, {{"name", "https"}, {"port", 443}, {"nodePort", 30443}}}}}},
          {"status", {{"loadBalancer", {{"ingress", ingress}}}}}};
}

GatewayInputs gateway_api(const json& gw, std::vector<json> services, std::vector<json> nodes = {}) {
  GatewayInputs in;
  in.kube_gateways = {gw};
  in.services = std::move(services);
  in.nodes = std::move(nodes);
  return in;
}

const json kBoth = json::array({listener("h2c", "HTTP", 80, "grpc.example.com"), listener("https", "HTTPS", 443, "grpc.example.com")});

}  // namespace

TEST_CASE("--host, Gateway API: an HTTPS Terminate listener at the Gateway's status address is TLS with SNI = HOST") {
  auto in = gateway_api(kube_gateway(kBoth, json::array({{{"type", "IPAddress"}, {"value", "203.0.113.10"}}})),
                        {deployed_service()});
  GatewayRoute r = resolve_gateway("grpc.example.com", in, false, false);
  CHECK(r.address == "203.0.113.10:443");
  CHECK_FALSE(r.plaintext);
  CHECK(r.servername == "grpc.example.com");
  CHECK(r.authority == "grpc.example.com");
  CHECK(r.service_name == "gw-istio");
  CHECK(r.notes.at(0) ==
        "host grpc.example.com: Gateway API Gateway apps/gw listener https (HTTPS port 443, TLS Terminate, hostname "
        "grpc.example.com)");
  CHECK(r.notes.at(1) == "gateway Service apps/gw-istio (LoadBalancer), deployed for the Gateway");
  CHECK(r.notes.at(2) == "address 203.0.113.10:443 from status.addresses[0] (IPAddress)");
  CHECK(r.notes.back() == "TLS with SNI and :authority grpc.example.com");
}

TEST_CASE("--host, Gateway API: -plaintext takes the HTTP listener: h2c with :authority = HOST") {
  auto in = gateway_api(kube_gateway(kBoth, json::array({{{"type", "IPAddress"}, {"value", "203.0.113.10"}}})),
                        {deployed_service()});
  GatewayRoute r = resolve_gateway("grpc.example.com", in, true, false);
  CHECK(r.address == "203.0.113.10:80");
  CHECK(r.plaintext);
  CHECK(r.servername.empty());
  CHECK(r.notes.back() == "h2c (plaintext) with :authority grpc.example.com");
}

TEST_CASE("--host, Gateway API: a wildcard listener serves the host, reached through the deployed Service's load balancer") {
  // istiod reports the Service's in-cluster name when it has no external address
  json internal = json::array({{{"type", "Hostname"}, {"value", "gw-istio.apps.svc.cluster.local"}}});
  json gw = kube_gateway(json::array({listener("wild", "HTTPS", 443, "*.example.com")}), internal);
  GatewayRoute r = resolve_gateway("grpc.example.com", gateway_api(gw, {deployed_service({{{"hostname", "elb.example.net"}}})}),
                                   false, false);
  CHECK(r.address == "elb.example.net:443");
  CHECK(r.servername == "grpc.example.com");
  CHECK(r.notes.at(2) == "address elb.example.net:443 from Service apps/gw-istio status.loadBalancer.ingress[0].hostname");
  // no load balancer: a NodePort on a node, else --port-forward to the Service
  json node = {{"status", {{"addresses", {{{"type", "InternalIP"}, {"address", "10.0.0.5"}}}}}}};
  CHECK(resolve_gateway("grpc.example.com", gateway_api(gw, {deployed_service()}, {node}), false, false).address ==
        "10.0.0.5:30443");
  CHECK(error_of([&] { resolve_gateway("grpc.example.com", gateway_api(gw, {deployed_service()}), false, false); }) ==
        "the Gateway API Gateway apps/gw has no external address (status.addresses: gw-istio.apps.svc.cluster.local; "
        "Service apps/gw-istio: no load-balancer ingress, no reachable NodePort): add --port-forward to tunnel "
        "through kubectl port-forward");
  GatewayRoute pf = resolve_gateway("grpc.example.com", gateway_api(gw, {deployed_service()}), false, true);
  CHECK(pf.address.empty());
  CHECK(pf.service_namespace == "apps");
  CHECK(pf.service_name == "gw-istio");
  CHECK(pf.service_port == 443);
}

TEST_CASE("--host, Gateway API: no address and no deployed Service says so, and an Istio Gateway server is taken first") {
  json gw = kube_gateway(kBoth);
  CHECK(error_of([&] { resolve_gateway("grpc.example.com", gateway_api(gw, {}), false, false); }) ==
        "Gateway API Gateway apps/gw has no external address (status.addresses: none) and no Service apps/gw-istio "
        "deployed for it: check that its GatewayClass's controller is istiod and the Gateway is Programmed");
  // a TCP listener cannot carry gRPC: not taken
  json tcp = kube_gateway(json::array({listener("tcp", "TCP", 9000, "grpc.example.com")}));
  CHECK(error_of([&] { resolve_gateway("grpc.example.com", gateway_api(tcp, {deployed_service()}), false, false); })
            .find("no Istio Gateway server (networking.istio.io) serves host") == 0);
  GatewayInputs both = inputs(json::array({server("HTTPS", 443, "grpc.example.com")}), kLoadBalancerIp);
  both.kube_gateways = {gw};
  CHECK(resolve_gateway("grpc.example.com", both, false, false).notes.front().find("Gateway istio-system/grpc-gateway") !=
        std::string::npos);
}

}  // namespace grpcmesh::grpc
