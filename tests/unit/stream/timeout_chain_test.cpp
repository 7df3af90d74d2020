#include "core/stream/timeout_chain.hpp"

#include <doctest/doctest.h>

#include "tests/unit/mesh/fixtures.hpp"

using namespace grpcmesh::stream;
using grpcmesh::testing::check_golden;
using grpcmesh::testing::load_objects;

TEST_CASE("timeout chain: routes, gateway and upstream with their sources") {
  const auto vs = load_objects("stream/host.yaml", "VirtualService");
  GatewayInputs in;
  in.pods = load_objects("stream/gateway-edge.yaml", "Pod");
  const GatewayTimeouts gw = detect_gateway_timeouts(in);
  auto rules = load_objects("stream/host.yaml", "DestinationRule");
  rules[0]["spec"]["host"] = "greeter.apps.svc.cluster.local";
  rules[0]["spec"]["trafficPolicy"]["connectionPool"] =
      nlohmann::json::parse(R"({"http":{"idleTimeout":"24h"},"tcp":{"tcpKeepalive":{"time":"5m","interval":"30s","probes":3},
                               "maxConnectionDuration":"4h"}})");
  const auto chain = timeout_chain(vs, {}, gw, {"chat.apps.svc.cluster.local", "greeter.apps.svc.cluster.local"}, rules);
  check_golden("stream/chain-edge.txt", format_chain(chain));
  REQUIRE(chain.size() == 10);
  CHECK(chain[1].stage == "gateway route timeout");
  CHECK(chain[1].value == "30s");
  CHECK(chain[1].cuts);
  CHECK(chain[1].source == "VirtualService istio-system/grpc-example-com http[0].timeout");
}

TEST_CASE("timeout chain: only the selected service's routes; nothing cuts with Istio's defaults") {
  auto vs = load_objects("stream/host.yaml", "VirtualService");
  vs[0]["spec"]["http"][0].erase("timeout");
  const auto chain = timeout_chain(vs, {"/helloworld.Greeter/"}, GatewayTimeouts{}, {}, {});
  REQUIRE(chain.size() == 4);
  CHECK(chain[1].source == "VirtualService istio-system/grpc-example-com http[1] (no timeout: disabled)");
  for (const auto& link : chain) {
    CHECK_FALSE(link.cuts);
  }
  CHECK(timeout_chain({}, {}, GatewayTimeouts{}, {}, {})[1].source == "no route for the host yet");
}
