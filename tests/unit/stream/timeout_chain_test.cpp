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
  REQUIRE(chain.size() == 14);
  CHECK(chain[1].stage == "gateway route timeout");
  CHECK(chain[1].value == "30s");
  CHECK(chain[1].cuts);
  CHECK(chain[1].source == "VirtualService istio-system/grpc-example-com http[0].timeout");
}

TEST_CASE("timeout chain: only the selected service's routes, nothing cuts with Istio's defaults") {
  auto vs = load_objects("stream/host.yaml", "VirtualService");
  vs[0]["spec"]["http"][0].erase("timeout");
  const auto chain = timeout_chain(vs, {"/helloworld.Greeter/"}, GatewayTimeouts{}, {}, {});
  REQUIRE(chain.size() == 6);
  CHECK(chain[1].source == "VirtualService istio-system/grpc-example-com http[1] (no timeout: disabled)");
  for (const auto& link : chain) {
    CHECK_FALSE(link.cuts);
  }
  CHECK(timeout_chain({}, {}, GatewayTimeouts{}, {}, {})[1].source == "no route for the host yet");
}

TEST_CASE("timeout chain: each route's retries as Istio generates them, and its per-try timeout") {
  auto vs = load_objects("stream/host.yaml", "VirtualService");
  auto& http = vs[0]["spec"]["http"];
  http[0]["retries"] = {{"attempts", 3}, {"retryOn", "unavailable,503"}, {"perTryTimeout", "10s"}};
  http[1]["retries"] = {{"attempts", 0}};
  auto chain = timeout_chain(vs, {}, GatewayTimeouts{}, {}, {});
  REQUIRE(chain.size() == 8);
  CHECK(chain[2].stage == "gateway retries");
  CHECK(chain[2].value == "3 retries");
  CHECK(chain[2].source ==
        "VirtualService istio-system/grpc-example-com http[0].retries: on unavailable,retriable-status-codes");
  CHECK_FALSE(chain[2].cuts);
  CHECK(chain[3].stage == "gateway per-try timeout");
  CHECK(chain[3].value == "10s");
  CHECK(chain[3].source ==
        "VirtualService istio-system/grpc-example-com http[0].retries.perTryTimeout (starts when the request is "
        "complete)");
  CHECK(chain[3].cuts);
  CHECK(chain[5].stage == "gateway retries");
  CHECK(chain[5].value == "off");
  CHECK(chain[5].source == "VirtualService istio-system/grpc-example-com http[1].retries: attempts 0");
  CHECK(chain[6].stage == "gateway request timeout");  // no per-try link without retries

  // a route without retries: Istio's default, or the mesh's defaultHttpRetryPolicy
  http[1].erase("retries");
  chain = timeout_chain(vs, {}, GatewayTimeouts{}, {}, {});
  CHECK(chain[5].value == "2 retries");
  CHECK(chain[5].source == "VirtualService istio-system/grpc-example-com http[1] (no retries: Istio default): on "
                           "connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes");
  CHECK(chain[6].value == "none");
  CHECK_FALSE(chain[6].cuts);
  chain = timeout_chain(vs, {}, GatewayTimeouts{}, {}, {},
                        nlohmann::json{{"attempts", 1}, {"retryOn", "5xx"}, {"perTryTimeout", "3s"}});
  CHECK(chain[5].value == "1 retry");
  CHECK(chain[5].source ==
        "VirtualService istio-system/grpc-example-com http[1] (no retries: meshConfig.defaultHttpRetryPolicy): on 5xx");
  CHECK(chain[6].value == "3s");
  CHECK(chain[6].source == "meshConfig.defaultHttpRetryPolicy.perTryTimeout (starts when the request is complete)");
  CHECK(chain[6].cuts);
}
