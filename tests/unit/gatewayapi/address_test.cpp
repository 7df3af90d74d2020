#include "core/gatewayapi/address.hpp"

#include <doctest/doctest.h>

using namespace grpcmesh::gatewayapi;
using nlohmann::json;

namespace {

json gateway(const json& status_addresses, const json& annotations = json::object()) {
  json g = {{"metadata", {{"namespace", "apps"}, {"name", "gw"}, {"annotations", annotations}}},
            {"spec", {{"gatewayClassName", "istio"}, {"listeners", json::array()}}}};
  if (!status_addresses.is_null()) {
    g["status"] = {{"addresses", status_addresses}};
  }
  return g;
}

json service(const std::string& ns, const std::string& name, const json& labels, const json& selector,
             const json& ingress = json::array()) {
  return {{"metadata", {{"namespace", ns}, {"name", name}, {"labels", labels}}},
          {"spec", {{"type", "LoadBalancer"}, {"clusterIP", "10.96.0.7"}, {"selector", selector}}},
          {"status", {{"loadBalancer", {{"ingress", ingress}}}}}};
}

const json kOurs = {{"gateway.networking.k8s.io/gateway-name", "gw"}};

}  // namespace

TEST_CASE("gatewayapi address: istiod's Service is <gateway>-<class>, or the name-override annotation") {
  CHECK(managed(gateway(nullptr)));
  CHECK(gateway_service_ref(gateway(nullptr)) == "apps/gw-istio");
  CHECK(gateway_service_ref(gateway(nullptr, {{"gateway.istio.io/name-override", "edge"}})) == "apps/edge");
}

// A Gateway with spec.addresses.
json with_addresses(const json& addresses) {
  json g = gateway(nullptr);
  g["spec"]["addresses"] = addresses;
  return g;
}

TEST_CASE("gatewayapi address: a Hostname address, or several, is a manual deployment bound to the Service named") {
  // One IP address (typed or not): istiod still deploys (IsManaged).
  CHECK(managed(with_addresses(json::array({{{"value", "203.0.113.10"}}}))));
  CHECK(managed(with_addresses(json::array({{{"type", "IPAddress"}, {"value", "203.0.113.10"}}}))));
  json manual = with_addresses(json::array({{{"type", "Hostname"}, {"value", "istio-ingressgateway.istio-system.svc.cluster.local"}}}));
  CHECK_FALSE(managed(manual));
  CHECK(gateway_service_ref(manual) == "istio-system/istio-ingressgateway");
  CHECK(gateway_service_ref(with_addresses(json::array({{{"type", "Hostname"}, {"value", "edge.infra.svc"}}}))) ==
        "infra/edge");
  // A short name is in the Gateway's namespace.
  CHECK(gateway_service_ref(with_addresses(json::array({{{"type", "Hostname"}, {"value", "edge"}}}))) == "apps/edge");
  // Several addresses: manual; istiod skips the non-Hostname ones.
  json several = with_addresses(json::array({{{"type", "IPAddress"}, {"value", "203.0.113.10"}},
                                             {{"type", "Hostname"}, {"value", "edge"}}}));
  CHECK_FALSE(managed(several));
  CHECK(gateway_service_ref(several) == "apps/edge");
  // A DNS name outside the cluster names no Service.
  CHECK(gateway_service_ref(with_addresses(json::array({{{"type", "Hostname"}, {"value", "lb.example.net"}}}))).empty());

  // istiod looks the Service up in the Gateway's namespace only.
  json ingress = service("istio-system", "istio-ingressgateway", json::object(), {{"istio", "ingressgateway"}},
                         json::array({{{"ip", "198.51.100.4"}}}));
  json edge = service("apps", "edge", json::object(), {{"app", "edge"}}, json::array({{{"ip", "198.51.100.5"}}}));
  json istiods = service("apps", "gw-istio", kOurs, kOurs);
  CHECK(deployed_service(manual, {&istiods, &ingress}) == nullptr);
  json own = with_addresses(json::array({{{"type", "Hostname"}, {"value", "edge.apps.svc.cluster.local"}}}));
  CHECK(deployed_service(own, {&istiods, &ingress, &edge}) == &edge);
  CHECK(deployed_service(with_addresses(json::array({{{"type", "Hostname"}, {"value", "edge"}}})), {&istiods, &edge}) ==
        &edge);
  CHECK(deployed_service(own, {&istiods}) == nullptr);
  auto a = external_address(own, &edge);
  REQUIRE(a);
  CHECK(a->host == "198.51.100.5");
  CHECK(a->source == "Service apps/edge status.loadBalancer.ingress[0].ip");
}

TEST_CASE("gatewayapi address: the deployed Service is found by its gateway-name label or selector, in the Gateway's namespace") {
  json elsewhere = service("other", "gw-istio", kOurs, kOurs);
  json by_selector = service("apps", "custom", json::object(), kOurs);
  json by_name = service("apps", "gw-istio", json::object(), json::object());
  json both = service("apps", "gw-istio", kOurs, kOurs);
  CHECK(deployed_service(gateway(nullptr), {&elsewhere}) == nullptr);
  CHECK(deployed_service(gateway(nullptr), {&elsewhere, &by_selector}) == &by_selector);
  CHECK(deployed_service(gateway(nullptr), {&by_name}) == &by_name);
  // labelled and named wins over either alone
  CHECK(deployed_service(gateway(nullptr), {&by_selector, &by_name, &both}) == &both);
  // labelled wins over named alone
  CHECK(deployed_service(gateway(nullptr), {&by_name, &by_selector}) == &by_selector);
}

TEST_CASE("gatewayapi address: status.addresses that are the Service's own in-cluster names are not external") {
  json svc = service("apps", "gw-istio", kOurs, kOurs);
  CHECK(internal_address("gw-istio.apps.svc.cluster.local", nullptr));
  CHECK(internal_address("gw-istio.apps.svc", nullptr));
  CHECK(internal_address("10.96.0.7", &svc));
  CHECK_FALSE(internal_address("10.96.0.7", nullptr));
  CHECK_FALSE(internal_address("lb.example.net", &svc));
  CHECK_FALSE(internal_address("203.0.113.10", &svc));
}

TEST_CASE("gatewayapi address: an external IP in status first, then a hostname, then the Service's load balancer") {
  json svc = service("apps", "gw-istio", kOurs, kOurs, json::array({{{"hostname", "elb.example.net"}}}));
  auto a = external_address(gateway(json::array({{{"type", "Hostname"}, {"value", "gw.example.net"}},
                                                  {{"type", "IPAddress"}, {"value", "203.0.113.10"}}})),
                            &svc);
  REQUIRE(a);
  CHECK(a->host == "203.0.113.10");
  CHECK(a->source == "status.addresses[1] (IPAddress)");
  a = external_address(gateway(json::array({{{"type", "Hostname"}, {"value", "gw.example.net"}}})), &svc);
  REQUIRE(a);
  CHECK(a->host == "gw.example.net");
  CHECK(a->source == "status.addresses[0] (Hostname)");
  // istiod's report without a load balancer: the in-cluster name only
  a = external_address(gateway(json::array({{{"type", "Hostname"}, {"value", "gw-istio.apps.svc.cluster.local"}}})),
                       &svc);
  REQUIRE(a);
  CHECK(a->host == "elb.example.net");
  CHECK(a->source == "Service apps/gw-istio status.loadBalancer.ingress[0].hostname");
  json bare = service("apps", "gw-istio", kOurs, kOurs);
  CHECK_FALSE(external_address(gateway(json::array({{{"type", "Hostname"}, {"value", "gw-istio.apps.svc.cluster.local"}}})),
                               &bare));
  CHECK_FALSE(external_address(gateway(nullptr), nullptr));
  CHECK(status_addresses(gateway(json::array({{{"value", "a"}}, {{"value", "b"}}}))) ==
        std::vector<std::string>{"a", "b"});
}

TEST_CASE("gatewayapi address: listeners for a host, exact hostname before the narrowest wildcard before none") {
  json gw = gateway(nullptr);
  gw["spec"]["listeners"] = json::array({
      {{"name", "any"}, {"port", 80}, {"protocol", "HTTP"}},
      {{"name", "wide"}, {"port", 443}, {"protocol", "HTTPS"}, {"hostname", "*.example.com"}, {"tls", {{"certificateRefs", json::array()}}}},
      {{"name", "narrow"}, {"port", 8443}, {"protocol", "HTTPS"}, {"hostname", "*.api.example.com"}, {"tls", {{"mode", "Passthrough"}}}},
      {{"name", "exact"}, {"port", 8080}, {"protocol", "HTTP"}, {"hostname", "grpc.api.example.com"}},
      {{"name", "other"}, {"port", 8081}, {"protocol", "HTTP"}, {"hostname", "web.example.com"}},
  });
  const std::vector<json> gateways = {gw};  // the listeners point into it
  auto found = listeners_for_host(gateways, "grpc.api.example.com");
  std::vector<std::string> names;
  for (const auto& l : found) {
    names.push_back(l.name);
  }
  CHECK(names == std::vector<std::string>{"exact", "narrow", "wide", "any"});
  CHECK(found[1].tls_mode == "Passthrough");
  CHECK(found[2].tls_mode == "Terminate");  // the default of a tls block
  CHECK(found[0].tls_mode.empty());
  CHECK(found[0].gateway_ref() == "apps/gw");
  CHECK(found[0].port == 8080);
  // a wildcard needs at least one label before its suffix
  CHECK(listener_hostname_match("*.example.com", "example.com") == HostnameMatch::None);
  CHECK(listener_hostname_match("*.example.com", "a.b.example.com") == HostnameMatch::Wildcard);
}
