#include "core/gatewayapi/stream.hpp"

#include <doctest/doctest.h>

#include <algorithm>

#include "core/util/error.hpp"
#include "tests/unit/mesh/fixtures.hpp"

using namespace grpcmesh::gatewayapi;
using grpcmesh::mesh::ChangeSet;
using grpcmesh::testing::error_of;

namespace {

const nlohmann::json kGrpcRoute = nlohmann::json::parse(R"({
  "apiVersion": "gateway.networking.k8s.io/v1", "kind": "GRPCRoute",
  "metadata": {"name": "grpc-example-com", "namespace": "istio-ingress"},
  "spec": {"hostnames": ["grpc.example.com"], "parentRefs": [{"name": "grpc-example-com"}],
    "rules": [
      {"matches": [{"method": {"type": "Exact", "service": "helloworld.Greeter"}}],
       "backendRefs": [{"name": "greeter", "namespace": "apps", "port": 50051}]},
      {"matches": [{"method": {"type": "Exact", "service": "chat.Room", "method": "Join"}}],
       "backendRefs": [{"name": "chat", "port": 9000}]}
    ]}})");

const nlohmann::json kHttpRoute = nlohmann::json::parse(R"({
  "apiVersion": "gateway.networking.k8s.io/v1", "kind": "HTTPRoute",
  "metadata": {"name": "web", "namespace": "istio-ingress"},
  "spec": {"hostnames": ["grpc.example.com"],
    "rules": [
      {"matches": [{"path": {"type": "PathPrefix", "value": "/admin.Admin/"}}], "timeouts": {"request": "10s"},
       "backendRefs": [{"name": "admin", "port": 7000}]}
    ]}})");

const nlohmann::json kOtherHost = nlohmann::json::parse(R"({
  "apiVersion": "gateway.networking.k8s.io/v1", "kind": "GRPCRoute",
  "metadata": {"name": "other", "namespace": "istio-ingress"},
  "spec": {"hostnames": ["other.example.com"], "rules": [{"backendRefs": [{"name": "other", "port": 1}]}]}})");

grpcmesh::stream::StreamOptions options() {
  grpcmesh::stream::StreamOptions o;
  o.host = "grpc.example.com";
  return o;
}

StreamFacts live() {
  StreamFacts f;
  f.gateway = "istio-ingress/grpc-example-com";
  f.routes = {kGrpcRoute, kHttpRoute, kOtherHost};
  return f;
}

std::vector<std::string> applied_hosts(const ChangeSet& cs) {
  std::vector<std::string> out;
  for (const auto& c : cs.changes) {
    out.push_back(c.object["spec"]["host"].get<std::string>());
  }
  return out;
}

}  // namespace

TEST_CASE("gateway-api stream: the backends of the host's routes, selected by --grpc-service") {
  StreamRoutes all = stream_routes(live().routes, "grpc.example.com", {});
  CHECK(all.backends == std::vector<std::string>{"apps/greeter", "istio-ingress/admin", "istio-ingress/chat"});
  CHECK(all.routes == std::vector<std::string>{"GRPCRoute istio-ingress/grpc-example-com", "HTTPRoute istio-ingress/web"});
  CHECK(all.cutting == std::vector<std::string>{"HTTPRoute istio-ingress/web rules[0] timeouts.request 10s"});

  StreamRoutes chat = stream_routes(live().routes, "grpc.example.com", {"/chat.Room/"});
  CHECK(chat.backends == std::vector<std::string>{"istio-ingress/chat"});
  CHECK(chat.cutting.empty());
}

TEST_CASE("gateway-api stream: one DestinationRule per backend, no route changed") {
  const ChangeSet cs = plan_stream(options(), live());
  CHECK(applied_hosts(cs) == std::vector<std::string>{"greeter.apps.svc.cluster.local",
                                                      "admin.istio-ingress.svc.cluster.local",
                                                      "chat.istio-ingress.svc.cluster.local"});
  for (const auto& c : cs.changes) {
    CHECK(c.object["kind"] == "DestinationRule");
    CHECK(c.object["spec"]["trafficPolicy"]["connectionPool"]["http"]["idleTimeout"] == "24h");
    CHECK(c.object["spec"]["trafficPolicy"]["connectionPool"]["tcp"].contains("tcpKeepalive"));
  }
  const bool warned = std::any_of(cs.warnings.begin(), cs.warnings.end(), [](const std::string& w) {
    return w.rfind("HTTPRoute istio-ingress/web rules[0] timeouts.request 10s cuts every stream", 0) == 0;
  });
  CHECK(warned);
  const auto chain = std::find_if(cs.notes.begin(), cs.notes.end(),
                                  [](const std::string& n) { return n.rfind("Timeouts a stream on", 0) == 0; });
  REQUIRE(chain != cs.notes.end());
  CHECK(chain->find("GRPCRoute istio-ingress/grpc-example-com") != std::string::npos);
  CHECK(chain->find("no route for the host yet") == std::string::npos);
}

TEST_CASE("gateway-api stream: --backend replaces the routes' backends") {
  auto o = options();
  o.backends = {"apps/greeter"};
  CHECK(applied_hosts(plan_stream(o, live())) == std::vector<std::string>{"greeter.apps.svc.cluster.local"});
}

TEST_CASE("gateway-api stream: --timeout and --gateway-idle-timeout are Istio's API's") {
  auto o = options();
  o.route_timeout = grpcmesh::stream::Duration{3600000};
  CHECK(error_of([&] { plan_stream(o, live()); }).rfind("--timeout is for Istio's VirtualService", 0) == 0);
  o = options();
  o.gateway_idle_timeout = grpcmesh::stream::Duration{3600000};
  CHECK(error_of([&] { check_stream_options(o); }).rfind("--gateway-idle-timeout changes the Deployment", 0) == 0);
}

TEST_CASE("gateway-api stream: --dry-run=client needs --backend") {
  CHECK(error_of([] { grpcmesh::gatewayapi::stream_facts_from_flags(options()); }).find("--backend") != std::string::npos);
  auto o = options();
  o.backends = {"apps/greeter"};
  const ChangeSet cs = plan_stream(o, grpcmesh::gatewayapi::stream_facts_from_flags(o));
  CHECK(applied_hosts(cs) == std::vector<std::string>{"greeter.apps.svc.cluster.local"});
}
