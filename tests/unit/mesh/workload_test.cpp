#include "core/mesh/workload.hpp"

#include <doctest/doctest.h>

#include <fstream>
#include <sstream>

#include "core/util/error.hpp"
#include "core/util/yaml.hpp"
#include "tests/unit/support/golden.hpp"

using namespace grpcmesh::mesh;
using nlohmann::json;

namespace {

struct Objects {
  std::vector<json> pods;
  std::vector<json> services;
};

Objects load(const std::string& relative) {
  std::ifstream in(grpcmesh::testing::testdata_path(relative));
  std::stringstream text;
  text << in.rdbuf();
  Objects out;
  for (auto& doc : grpcmesh::yaml::parse_all(text.str(), relative)) {
    (doc.value["kind"] == "Pod" ? out.pods : out.services).push_back(doc.value);
  }
  return out;
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const grpcmesh::Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("workload: selectors parse as key=value pairs") {
  CHECK(parse_selector("istio=ingressgateway") == Labels{{"istio", "ingressgateway"}});
  CHECK(parse_selector("a=b,c==d") == Labels{{"a", "b"}, {"c", "d"}});
  CHECK(format_selector({{"a", "b"}, {"c", "d"}}) == "a=b,c=d");
  CHECK(error_of([] { parse_selector("app in (a,b)"); }).find("invalid --selector") != std::string::npos);
  CHECK(error_of([] { parse_selector("a!=b"); }).find("invalid --selector") != std::string::npos);
  CHECK(error_of([] { parse_selector("noequals"); }).find("invalid --selector") != std::string::npos);
  CHECK_FALSE(selects({}, {{"a", "b"}}));
}

TEST_CASE("workload: finds the gateway pods, their namespace and the LoadBalancer Service in front") {
  Objects o = load("mesh/ingress.yaml");
  GatewayWorkload w = find_gateway_workload({{"istio", "ingressgateway"}}, o.pods, o.services);
  CHECK(w.namespace_name == "istio-system");
  CHECK(w.pods == std::vector<std::string>{"istio-ingressgateway-a", "istio-ingressgateway-b"});
  CHECK(w.ready_pods == 1);
  CHECK(w.service == "istio-ingressgateway");
  CHECK(w.service_type == "LoadBalancer");
  REQUIRE(w.ports.size() == 2);
  CHECK(w.ports[1].port == 443);
  CHECK(w.ports[1].target_port == "8443");
  CHECK(default_port(w, "https") == 443);
  CHECK(default_port(w, "http2") == 80);
}

TEST_CASE("workload: a port is exposed as port or targetPort, otherwise the error gives the patch") {
  Objects o = load("mesh/ingress.yaml");
  GatewayWorkload w = find_gateway_workload({{"istio", "ingressgateway"}}, o.pods, o.services);
  CHECK(exposes(w, 443));
  CHECK(exposes(w, 8443));
  CHECK(exposes(w, 80));
  CHECK_FALSE(exposes(w, 9443));
  CHECK(error_of([&] { require_exposed(w, 9443, "--https-port"); }) ==
        "port 9443 (--https-port) is not exposed by Service istio-system/istio-ingressgateway (ports 80->8080, "
        "443->8443); expose it with: kubectl patch service istio-ingressgateway -n istio-system --type=json -p "
        "'[{\"op\":\"add\",\"path\":\"/spec/ports/-\",\"value\":{\"name\":\"grpc-9443\",\"port\":9443,"
        "\"targetPort\":9443}}]' or pick an exposed port with --https-port");
}

TEST_CASE("workload: no matching pods, pods in several namespaces, no Service") {
  Objects o = load("mesh/ingress.yaml");
  CHECK(error_of([&] { find_gateway_workload({{"istio", "eastwest"}}, o.pods, o.services); }) ==
        "no gateway pods match --selector istio=eastwest; is the Istio ingress gateway installed? Pass the labels of "
        "its pods with --selector");
  json other = o.pods[0];
  other["metadata"]["namespace"] = "gateways";
  other["metadata"]["name"] = "gw-x";
  o.pods.push_back(other);
  CHECK(error_of([&] { find_gateway_workload({{"istio", "ingressgateway"}}, o.pods, o.services); }) ==
        "gateway pods matching istio=ingressgateway run in several namespaces (gateways, istio-system); pick one "
        "with --gateway-namespace");
  GatewayWorkload w = find_gateway_workload({{"istio", "ingressgateway"}}, o.pods, o.services, "gateways");
  CHECK(w.pods == std::vector<std::string>{"gw-x"});
  CHECK(w.service.empty());
  CHECK(error_of([&] { require_exposed(w, 443, "--https-port"); }).rfind("no Service in namespace gateways", 0) == 0);
}
