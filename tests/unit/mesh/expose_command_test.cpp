#include "core/mesh/expose_command.hpp"

#include <doctest/doctest.h>

#include "core/mesh/routes.hpp"
#include "core/util/yaml.hpp"
#include "tests/unit/mesh/fixtures.hpp"
#include "tests/unit/mesh/protocol_table.hpp"

using namespace grpcmesh::mesh;
using grpcmesh::testing::check_golden;
using grpcmesh::testing::error_of;
using nlohmann::json;

namespace {

json service(const std::string& name, const std::string& ns, const std::string& ports_yaml) {
  return grpcmesh::yaml::parse("apiVersion: v1\nkind: Service\nmetadata: {name: " + name + ", namespace: " + ns +
                               "}\nspec:\n  ports: " + ports_yaml + "\n");
}

ExposeOptions options(const std::string& svc = "greeter", const std::string& ns = "apps") {
  ExposeOptions o;
  o.service = svc;
  o.namespace_name = ns;
  o.host = "grpc.example.com";
  return o;
}

ExposeFacts facts(json svc) {
  ExposeFacts f;
  f.service = std::move(svc);
  f.gateways = {"istio-system/grpc-example-com"};
  f.virtual_service_namespace = "istio-system";
  f.ready_endpoints = 1;
  return f;
}

std::string dumped(const ChangeSet& cs) { return grpcmesh::yaml::dump_all(planned_objects(cs)); }

}  // namespace

TEST_CASE("expose: one port, a gRPC service prefix, appProtocol grpc on the port") {
  ExposeOptions o = options();
  o.grpc_services = {"helloworld.Greeter"};
  ChangeSet cs = plan_expose(o, facts(service("greeter", "apps", "[{name: api, port: 50051}]")));
  check_golden("mesh/expose-greeter.yaml", dumped(cs));
  CHECK(cs.notes.at(0) ==
        "grpc.example.com routes helloworld.Greeter to greeter.apps.svc.cluster.local:50051 through "
        "istio-system/grpc-example-com");
  CHECK(cs.notes.at(1) ==
        "Routes for grpc.example.com:\n"
        "MATCH                  DESTINATION                            VIRTUALSERVICE\n"
        "/helloworld.Greeter/   greeter.apps.svc.cluster.local:50051   istio-system/grpc-example-com");
}

TEST_CASE("expose: a second Service in another namespace keeps the first one's routes, catch-all last") {
  ExposeOptions first = options();
  first.grpc_services = {"helloworld.Greeter"};
  ExposeFacts f = facts(service("greeter", "apps", "[{name: api, port: 50051}]"));
  f.virtual_service = plan_expose(first, f).changes.back().object;

  ExposeOptions second = options("echo", "other");
  second.port = 9000;
  ExposeFacts f2 = facts(service("echo", "other", "[{name: metrics, port: 9090}, {name: grpc-echo, port: 9000}]"));
  f2.virtual_service = f.virtual_service;
  ChangeSet cs = plan_expose(second, f2);
  check_golden("mesh/expose-second-service.yaml", dumped(cs));
  // the port is HTTP/2 by name already: the Service is not touched
  REQUIRE(cs.changes.size() == 1);
  CHECK(cs.notes.at(0) == "Port 9000 of Service other/echo is already HTTP/2 for Istio (name grpc-echo)");
}

TEST_CASE("expose: port selection errors list the ports") {
  ExposeFacts f = facts(service("echo", "other", "[{name: metrics, port: 9090}, {port: 9000}]"));
  CHECK(error_of([&] { plan_expose(options("echo", "other"), f); }) ==
        "Service other/echo has several ports (metrics 9090, 9000); pick the gRPC one with --port");
  ExposeOptions o = options("echo", "other");
  o.port = 1234;
  CHECK(error_of([&] { plan_expose(o, f); }) ==
        "Service other/echo has no port 1234 (ports: metrics 9090, 9000); pass one of them with --port");
}

TEST_CASE("expose: appProtocol set to a non-HTTP/2 value is overridden (the server reports a conflict)") {
  ExposeFacts f = facts(service("greeter", "apps", "[{name: grpc, port: 50051, appProtocol: http}]"));
  ChangeSet cs = plan_expose(options(), f);
  REQUIRE(cs.changes.size() == 2);
  CHECK(cs.changes[0].object["spec"]["ports"][0] == json{{"port", 50051}, {"protocol", "TCP"}, {"appProtocol", "grpc"}});
  // kubernetes.io/h2c already means HTTP2: left alone
  f = facts(service("greeter", "apps", "[{name: api, port: 50051, appProtocol: kubernetes.io/h2c}]"));
  CHECK(plan_expose(options(), f).changes.size() == 1);
  // kubernetes.io/grpc is not recognised by Istio: set appProtocol grpc
  f = facts(service("greeter", "apps", "[{name: api, port: 50051, appProtocol: kubernetes.io/grpc}]"));
  CHECK(plan_expose(options(), f).changes.size() == 2);
}

TEST_CASE("expose: --port-naming name renames the port and warns") {
  ExposeOptions o = options();
  o.port_naming = PortNaming::Name;
  ChangeSet cs = plan_expose(o, facts(service("greeter", "apps", "[{name: api, port: 50051}]")));
  CHECK(cs.changes.at(0).object["spec"]["ports"][0] == json{{"port", 50051}, {"protocol", "TCP"}, {"name", "grpc-api"}});
  CHECK(cs.warnings.at(0).rfind("renaming port 50051 of Service apps/greeter from \"api\" to \"grpc-api\"", 0) == 0);
  CHECK(error_of([&] { plan_expose(o, facts(service("greeter", "apps", "[{name: api, port: 1, appProtocol: http}]"))); })
            .find("renaming cannot help") != std::string::npos);
}

TEST_CASE("expose: --remove names a port we renamed as it was before, appProtocol is released") {
  const auto owned_by_us = [](json svc, const std::string& fields) {
    svc["metadata"]["managedFields"] = json::array(
        {{{"manager", "kubectl"}, {"operation", "Apply"},
          {"fieldsV1", json::parse(R"({"f:spec":{"f:ports":{"k:{\"port\":50051,\"protocol\":\"TCP\"}":{".":{},"f:port":{},"f:protocol":{}}}}})")}},
         {{"manager", "kubectl-grpcmesh"}, {"operation", "Apply"},
          {"fieldsV1", json::parse(R"({"f:spec":{"f:ports":{"k:{\"port\":50051,\"protocol\":\"TCP\"}":)" + fields + "}}}")}}});
    return svc;
  };
  ExposeOptions o = options();
  o.remove = true;

  // Renamed by --port-naming name: the old name comes back, nothing else is set.
  ChangeSet cs = plan_expose(o, facts(owned_by_us(service("greeter", "apps", "[{name: grpc-api, port: 50051, protocol: TCP}]"),
                                                  R"({".":{},"f:name":{}})")));
  REQUIRE(cs.changes.at(0).kind == Change::Kind::Apply);
  CHECK(cs.changes.at(0).object["spec"]["ports"] == json::parse(R"([{"port":50051,"protocol":"TCP","name":"api"}])"));
  CHECK(cs.notes.at(0) == "Port 50051 of Service apps/greeter is named \"api\" again");

  // Once given back, a second --remove applies the same name again: unchanged, never unnamed.
  cs = plan_expose(o, facts(owned_by_us(service("greeter", "apps", "[{name: api, port: 50051, protocol: TCP}]"),
                                        R"({".":{},"f:name":{}})")));
  CHECK(cs.changes.at(0).object["spec"]["ports"] == json::parse(R"([{"port":50051,"protocol":"TCP","name":"api"}])"));

  // A port that had no name ("grpc") is unnamed again by releasing it, as is appProtocol.
  cs = plan_expose(o, facts(owned_by_us(service("greeter", "apps", "[{name: grpc, port: 50051, protocol: TCP}]"),
                                        R"({".":{},"f:name":{}})")));
  CHECK(cs.changes.at(0).kind == Change::Kind::Release);
  cs = plan_expose(o, facts(owned_by_us(service("greeter", "apps", "[{name: api, port: 50051, protocol: TCP, appProtocol: grpc}]"),
                                        R"({".":{},"f:appProtocol":{}})")));
  CHECK(cs.changes.at(0).kind == Change::Kind::Release);

  // Another field manager's rename is not ours to undo.
  o.field_manager = "platform";
  cs = plan_expose(o, facts(owned_by_us(service("greeter", "apps", "[{name: grpc-api, port: 50051, protocol: TCP}]"),
                                        R"({".":{},"f:name":{}})")));
  CHECK(cs.changes.at(0).kind == Change::Kind::Release);
}

TEST_CASE("expose: a prefix routed to another Service is a conflict unless --force-conflicts") {
  ExposeOptions first = options();
  first.grpc_services = {"helloworld.Greeter"};
  ExposeFacts f = facts(service("greeter", "apps", "[{name: api, port: 50051}]"));
  f.virtual_service = plan_expose(first, f).changes.back().object;
  ExposeOptions second = options("greeter-v2", "apps");
  second.grpc_services = {"helloworld.Greeter"};
  ExposeFacts f2 = facts(service("greeter-v2", "apps", "[{port: 50051}]"));
  f2.virtual_service = f.virtual_service;
  CHECK(error_of([&] { plan_expose(second, f2); }).rfind("prefix /helloworld.Greeter/ on grpc.example.com already "
                                                         "routes to greeter.apps:50051",
                                                         0) == 0);
  second.force = true;
  CHECK(routes_of(plan_expose(second, f2).changes.back().object) ==
        std::vector<GrpcRoute>{{"/helloworld.Greeter/", "greeter-v2", "apps", 50051}});
}

TEST_CASE("expose: --remove keeps other Services' routes and deletes the VirtualService with the last one") {
  ExposeOptions a = options();
  a.grpc_services = {"helloworld.Greeter"};
  ExposeFacts f = facts(service("greeter", "apps", "[{name: api, port: 50051}]"));
  f.virtual_service = plan_expose(a, f).changes.back().object;
  ExposeOptions b = options("echo", "other");
  ExposeFacts fb = facts(service("echo", "other", "[{name: grpc, port: 9000}]"));
  fb.virtual_service = f.virtual_service;
  f.virtual_service = plan_expose(b, fb).changes.back().object;

  a.remove = true;
  ChangeSet cs = plan_expose(a, f);
  REQUIRE(cs.changes.size() == 2);
  CHECK(cs.changes[0].kind == Change::Kind::Release);  // the Service's appProtocol
  CHECK(routes_of(cs.changes[1].object) == std::vector<GrpcRoute>{{"", "echo", "other", 9000}});

  f.virtual_service = cs.changes[1].object;
  b.remove = true;
  cs = plan_expose(b, f);
  REQUIRE(cs.changes.size() == 2);
  CHECK(cs.changes[1].kind == Change::Kind::Release);
  CHECK(cs.changes[1].object["kind"] == "VirtualService");
}

TEST_CASE("expose: warnings for no ready endpoints and for other VirtualServices on the host") {
  ExposeFacts f = facts(service("greeter", "apps", "[{name: api, port: 50051}]"));
  f.ready_endpoints = 0;
  f.other_virtual_services.push_back(grpcmesh::yaml::parse(
      "metadata: {name: legacy, namespace: web}\nspec:\n  hosts: [grpc.example.com]\n  http: [{route: [{destination: "
      "{host: old}}]}]\n"));
  ChangeSet cs = plan_expose(options(), f);
  REQUIRE(cs.warnings.size() == 2);
  CHECK(cs.warnings[0].rfind("VirtualService web/legacy also routes everything for grpc.example.com", 0) == 0);
  CHECK(cs.warnings[1] == "Service apps/greeter has no ready endpoints: calls through the gateway fail with "
                          "UNAVAILABLE until its pods are ready");
}

TEST_CASE("expose: a VirtualService of the same name not made by us is left alone") {
  ExposeFacts f = facts(service("greeter", "apps", "[{name: api, port: 50051}]"));
  f.virtual_service = json{{"metadata", {{"name", "grpc-example-com"}, {"namespace", "istio-system"}}}};
  CHECK(error_of([&] { plan_expose(options(), f); })
            .rfind("VirtualService istio-system/grpc-example-com already exists and was not created", 0) == 0);
}

TEST_CASE("expose: --dry-run=client needs --port and the Gateway's namespace") {
  ExposeOptions o = options();
  CHECK(error_of([&] { expose_facts_from_flags(o); }).find("pass --gateway-namespace") != std::string::npos);
  o.gateway_namespace = "istio-system";
  CHECK(error_of([&] { plan_expose(o, expose_facts_from_flags(o)); }) ==
        "--dry-run=client cannot read the Service's ports; pass --port");
  o.port = 50051;
  o.grpc_services = {"helloworld.Greeter"};
  ExposeFacts f = facts(service("greeter", "apps", "[{name: api, port: 50051}]"));
  CHECK(dumped(plan_expose(o, expose_facts_from_flags(o))) == dumped(plan_expose(o, f)));
}

namespace {

// The http routes of the VirtualService a plan applies.
json http_of(const ChangeSet& cs) { return cs.changes.back().object["spec"]["http"]; }

std::string note_starting(const ChangeSet& cs, const std::string& prefix) {
  for (const auto& n : cs.notes) {
    if (n.rfind(prefix, 0) == 0) {
      return n;
    }
  }
  return "";
}

}  // namespace

TEST_CASE("expose: without retry flags the routes carry no retries and expose names Istio's default") {
  ExposeOptions o = options();
  o.grpc_services = {"helloworld.Greeter"};
  ExposeFacts f = facts(service("greeter", "apps", "[{name: api, port: 50051}]"));
  f.mesh_retry_default = json();
  ChangeSet cs = plan_expose(o, f);
  CHECK_FALSE(http_of(cs)[0].contains("retries"));
  CHECK(cs.notes.back() ==
        "Retries for the routes to Service apps/greeter: 2 retries on "
        "connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes (Istio's default, as the "
        "routes set no retries)");
  CHECK(cs.warnings.empty());

  // the mesh config's defaultHttpRetryPolicy is what applies then
  f.mesh_retry_default = json{{"attempts", 1}, {"retryOn", "5xx"}};
  cs = plan_expose(o, f);
  CHECK(cs.notes.back() ==
        "Retries for the routes to Service apps/greeter: 1 retry on 5xx (the mesh default, "
        "meshConfig.defaultHttpRetryPolicy in ConfigMap istio-system/istio)");
  REQUIRE(cs.warnings.size() == 1);
  CHECK(cs.warnings[0].find("names no gRPC status") != std::string::npos);
}

TEST_CASE("expose: --retries, --retry-on and --per-try-timeout set the Service's routes' retries only") {
  // echo's routes (with their own retries) are there first
  ExposeOptions echo = options("echo", "other");
  echo.retries = 5;
  echo.retry_on = "unavailable";
  ExposeFacts fe = facts(service("echo", "other", "[{name: grpc, port: 9000}]"));
  ExposeFacts f = facts(service("greeter", "apps", "[{name: api, port: 50051}]"));
  f.virtual_service = plan_expose(echo, fe).changes.back().object;

  ExposeOptions o = options();
  o.grpc_services = {"helloworld.Greeter", "helloworld.Farewell"};
  o.retries = 3;
  o.retry_on = "unavailable,resource-exhausted";
  o.per_try_timeout = grpcmesh::stream::Duration{2000};
  ChangeSet cs = plan_expose(o, f);
  const json http = http_of(cs);
  REQUIRE(http.size() == 3);
  const json wanted = {{"attempts", 3}, {"retryOn", "unavailable,resource-exhausted"}, {"perTryTimeout", "2s"}};
  CHECK(http[0]["retries"] == wanted);  // /helloworld.Farewell/
  CHECK(http[1]["retries"] == wanted);  // /helloworld.Greeter/
  CHECK(http[2]["retries"] == json{{"attempts", 5}, {"retryOn", "unavailable"}});  // echo's catch-all, kept
  CHECK(note_starting(cs, "Retries for the routes to Service apps/greeter: ") ==
        "Retries for the routes to Service apps/greeter: 3 retries on unavailable,resource-exhausted, each try cut "
        "after 2s (set by --retries/--retry-on/--per-try-timeout)");
  REQUIRE(cs.warnings.size() == 1);
  CHECK(cs.warnings[0] == "--per-try-timeout 2s also cuts server-streaming calls to Service apps/greeter that last "
                          "longer (a try's clock starts when the request is complete, as for the route timeout)");

  // --retry-on alone: Istio's default number of retries, since attempts 0 would turn them off
  ExposeOptions only_on = options();
  only_on.retry_on = "5xx";
  cs = plan_expose(only_on, facts(service("greeter", "apps", "[{name: api, port: 50051}]")));
  CHECK(http_of(cs)[0]["retries"] == json{{"attempts", 2}, {"retryOn", "5xx"}});
  REQUIRE(cs.warnings.size() == 1);
  CHECK(cs.warnings[0].rfind("the retry policy for Service apps/greeter names no gRPC status: gRPC failures arrive "
                             "as HTTP 200", 0) == 0);
  CHECK(cs.warnings[0].find("--retry-on 5xx,unavailable,cancelled") != std::string::npos);
}

TEST_CASE("expose: --retries 0 turns the default off, a re-run without flags goes back to it") {
  ExposeOptions o = options();
  o.retries = 0;
  ExposeFacts f = facts(service("greeter", "apps", "[{name: api, port: 50051}]"));
  ChangeSet cs = plan_expose(o, f);
  CHECK(http_of(cs)[0]["retries"] == json{{"attempts", 0}});
  CHECK(note_starting(cs, "Retries for the routes") ==
        "Retries for the routes to Service apps/greeter: off (attempts: 0): no call is retried (set by "
        "--retries/--retry-on/--per-try-timeout)");
  CHECK(note_starting(cs, "--retries 0 turns off").find("fails at once") != std::string::npos);

  f.virtual_service = cs.changes.back().object;
  ChangeSet again = plan_expose(options(), f);
  CHECK_FALSE(http_of(again)[0].contains("retries"));
  CHECK(note_starting(again, "The retry policy set earlier") ==
        "The retry policy set earlier on the catch-all route (off (attempts: 0): no call is retried) is removed, as "
        "no retry flag is given: pass --retries/--retry-on again to keep it");
  // the same flags again change nothing
  CHECK(http_of(plan_expose(o, f)) == http_of(cs));
}

TEST_CASE("expose: retry flags Istio would reject are refused with one line") {
  ExposeFacts f = facts(service("greeter", "apps", "[{name: api, port: 50051}]"));
  ExposeOptions o = options();
  o.retries = 0;
  o.retry_on = "unavailable";
  CHECK(error_of([&] { plan_expose(o, f); }) ==
        "--retries 0 turns retries off, and Istio rejects a retry policy with attempts 0; drop --retry-on and "
        "--per-try-timeout, or pass --retries 1 or more");
  o = options();
  o.per_try_timeout = grpcmesh::stream::Duration{0};
  CHECK(error_of([&] { plan_expose(o, f); }).rfind("--per-try-timeout must be at least 1ms", 0) == 0);
  o = options();
  o.retries = -1;
  CHECK(error_of([&] { plan_expose(o, f); }).rfind("--retries -1 is negative", 0) == 0);
  o = options();
  o.remove = true;
  o.retries = 3;
  CHECK(error_of([&] { plan_expose(o, f); }).find("--remove takes the routes away with theirs") != std::string::npos);
}

TEST_CASE("expose: --per-try-timeout on a host stream keeps open needs --allow-stream-cut") {
  ExposeFacts f = facts(service("greeter", "apps", "[{name: api, port: 50051}]"));
  f.stream_settings = stream_settings_for_host(
      {grpcmesh::yaml::parse("metadata:\n  name: greeter-grpc-stream\n  namespace: apps\n  annotations:\n"
                             "    kubectl-grpcmesh/stream-settings: '{\"grpc.example.com\":{\"idleTimeout\":\"24h\"}}'\n"),
       grpcmesh::yaml::parse("metadata:\n  name: other\n  namespace: apps\n  annotations:\n"
                             "    kubectl-grpcmesh/stream-settings: '{\"api.example.com\":{}}'\n")},
      "grpc.example.com");
  REQUIRE(f.stream_settings == std::vector<std::string>{"apps/greeter-grpc-stream"});
  ExposeOptions o = options();
  o.retries = 2;
  o.per_try_timeout = grpcmesh::stream::Duration{10000};
  CHECK(error_of([&] { plan_expose(o, f); }) ==
        "--per-try-timeout 10s cuts every server stream on grpc.example.com that lasts longer (a try's clock starts "
        "when the request is complete), and stream keeps that host's streams open (DestinationRule "
        "apps/greeter-grpc-stream); pass --allow-stream-cut to set it anyway");
  o.allow_stream_cut = true;
  ChangeSet cs = plan_expose(o, f);
  CHECK(http_of(cs)[0]["retries"] == json{{"attempts", 2}, {"perTryTimeout", "10s"}});
  // without a perTryTimeout, retries on such a host need no confirmation
  o.allow_stream_cut = false;
  o.per_try_timeout.reset();
  CHECK(http_of(plan_expose(o, f))[0]["retries"] == json{{"attempts", 2}});
}

TEST_CASE("expose: --remove of one Service keeps the retries of the others' routes") {
  ExposeOptions a = options();
  a.grpc_services = {"helloworld.Greeter"};
  a.retries = 4;
  a.retry_on = "unavailable";
  ExposeFacts f = facts(service("greeter", "apps", "[{name: api, port: 50051}]"));
  ExposeOptions b = options("echo", "other");
  ExposeFacts fb = facts(service("echo", "other", "[{name: grpc, port: 9000}]"));
  fb.virtual_service = plan_expose(a, f).changes.back().object;
  f.virtual_service = plan_expose(b, fb).changes.back().object;
  REQUIRE(f.virtual_service->at("spec").at("http").size() == 2);
  CHECK((*f.virtual_service)["spec"]["http"][0]["retries"] == json{{"attempts", 4}, {"retryOn", "unavailable"}});

  b.remove = true;
  ChangeSet cs = plan_expose(b, f);
  const json http = http_of(cs);
  REQUIRE(http.size() == 1);
  CHECK(http[0]["retries"] == json{{"attempts", 4}, {"retryOn", "unavailable"}});
}

TEST_CASE("expose: every row of the protocol table is left alone exactly when Istio already speaks HTTP/2 to it") {
  for (const auto& row : grpcmesh::testing::protocol_table()) {
    INFO(row.describe());
    json svc = {{"apiVersion", "v1"},
                {"kind", "Service"},
                {"metadata", {{"name", "greeter"}, {"namespace", "apps"}}},
                {"spec", {{"ports", json::array({row.port})}}}};
    for (PortNaming naming : {PortNaming::AppProtocol, PortNaming::Name}) {
      ExposeOptions o = options();
      o.port = row.number;
      o.port_naming = naming;
      if (row.istio == "UDP") {
        CHECK(error_of([&] { plan_expose(o, facts(svc)); }) ==
              "port " + std::to_string(row.number) +
                  " of Service apps/greeter is UDP, which Istio keeps UDP whatever its name or appProtocol, and "
                  "gRPC needs TCP; pick a TCP port with --port");
        continue;
      }
      if (naming == PortNaming::Name && row.app_protocol && !row.http2) {
        CHECK(error_of([&] { plan_expose(o, facts(svc)); }).find("renaming cannot help") != std::string::npos);
        continue;
      }
      ChangeSet cs = plan_expose(o, facts(svc));
      // appProtocol mode re-applies an appProtocol of exactly "grpc" (to own it).
      bool left_alone = row.http2 && !(naming == PortNaming::AppProtocol && row.app_protocol == "grpc");
      CHECK(cs.changes.size() == (left_alone ? 1U : 2U));
      CHECK((cs.notes.at(0).find("already HTTP/2 for Istio") != std::string::npos) == left_alone);
    }
  }
}

TEST_CASE("expose: --per-try-timeout for server-streaming methods of --protoset needs --allow-stream-cut") {
  const auto methods = read_protoset(grpcmesh::testing::testdata_path("grpc/shapes.protoset"), "--protoset");
  ExposeFacts f = facts(service("greeter", "apps", "[{name: api, port: 50051}]"));
  ExposeOptions o = options();
  o.methods = methods;
  o.protoset = "--protoset shapes.protoset";
  o.retries = 2;
  o.per_try_timeout = grpcmesh::stream::Duration{2000};
  // the catch-all route carries every service of the protoset
  CHECK(error_of([&] { plan_expose(o, f); }) ==
        "--per-try-timeout 2s cuts every call of the server-streaming methods shapes.v1.Shapes/Watch, "
        "shapes.v1.Shapes/Chat (--protoset shapes.protoset) that lasts longer (a try's clock starts when the "
        "request is complete); pass --allow-stream-cut to set it anyway");
  o.grpc_services = {"shapes.v1.Shapes"};
  CHECK_FALSE(error_of([&] { plan_expose(o, f); }).empty());
  o.allow_stream_cut = true;
  CHECK(http_of(plan_expose(o, f))[0]["retries"] == json{{"attempts", 2}, {"perTryTimeout", "2s"}});
  // routes to other services, or no per-try timeout: nothing to confirm
  o.allow_stream_cut = false;
  o.grpc_services = {"helloworld.Greeter"};
  CHECK(error_of([&] { plan_expose(o, f); }).empty());
  o.grpc_services = {"shapes.v1.Shapes"};
  o.per_try_timeout.reset();
  CHECK(error_of([&] { plan_expose(o, f); }).empty());
}

TEST_CASE("expose: --dry-run=client says the mesh's default retry policy was not read") {
  ExposeOptions o = options();
  o.port = 50051;
  o.gateway_namespace = "istio-system";
  const ChangeSet cs = plan_expose(o, expose_facts_from_flags(o));
  CHECK(cs.notes.back() ==
        "Retries for the routes to Service apps/greeter: 2 retries on "
        "connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes (Istio's default, as the routes "
        "set no retries; a meshConfig.defaultHttpRetryPolicy would replace it, and the mesh config (ConfigMap "
        "istio-system/istio) was not read)");
}
