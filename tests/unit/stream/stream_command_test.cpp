#include "core/stream/stream_command.hpp"

#include <doctest/doctest.h>

#include "core/util/yaml.hpp"
#include "tests/unit/mesh/fixtures.hpp"
#include "tests/unit/stream/dry_run_output.hpp"

using namespace grpcmesh::stream;
using grpcmesh::mesh::ChangeSet;
using grpcmesh::mesh::planned_objects;
using grpcmesh::testing::check_golden;
using grpcmesh::testing::error_of;
using grpcmesh::testing::load_objects;

namespace {

StreamOptions host_options() {
  StreamOptions o;
  o.host = "grpc.example.com";
  return o;
}

StreamFacts live_facts() {
  StreamFacts f;
  f.servers = grpcmesh::mesh::servers_for_host(load_objects("stream/host.yaml", "Gateway"), "grpc.example.com");
  f.virtual_services = load_objects("stream/host.yaml", "VirtualService");
  f.destination_rules = load_objects("stream/host.yaml", "DestinationRule");
  f.gateway.istio_version = "1.31.0";
  return f;
}

std::string dumped(const ChangeSet& cs) { return grpcmesh::yaml::dump_all(planned_objects(cs)); }

std::string joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) {
    out += l + "\n";
  }
  return out;
}

}  // namespace

TEST_CASE("stream: --timeout 0s is refused with the reason, other bad values too") {
  StreamOptions o = host_options();
  o.route_timeout = Duration{0};
  CHECK(error_of([&] { validate_stream_options(o); }) ==
        "--timeout 0s is refused: Istio rejects a route timeout of 0s (it must be at least 1ms), and an omitted "
        "timeout already means none; drop --timeout and stream removes the routes' timeouts");
  o = host_options();
  o.keepalive_time = Duration{500};
  CHECK(error_of([&] { validate_stream_options(o); }).find("--keepalive-time") == 0);
  o = host_options();
  o.keepalive_probes = 0;
  CHECK(error_of([&] { validate_stream_options(o); }) == "--keepalive-probes must be at least 1");
  o = host_options();
  o.backends = {"greeter"};
  CHECK(error_of([&] { validate_stream_options(o); }) ==
        "invalid --backend \"greeter\": pass NAMESPACE/SERVICE, e.g. apps/greeter");
  CHECK(error_of([&] { validate_stream_options(host_options()); }).empty());
}

TEST_CASE("stream: --dry-run=client prints one DestinationRule per --backend") {
  StreamOptions o = host_options();
  o.backends = {"apps/greeter", "other/echo"};
  o.max_connection_duration = Duration{4 * 3600 * 1000};
  const ChangeSet cs = plan_stream(o, stream_facts_from_flags(o));
  const auto [out, err] = grpcmesh::testing::client_dry_run_yaml(cs);
  check_golden("stream/stream-client-dry-run.yaml", out);
  check_golden("stream/stream-client-dry-run.txt", err);
  CHECK(cs.warnings.empty());
  // a variant: one backend, shorter idle timeout, tighter keepalive, another cluster domain
  StreamOptions v = host_options();
  v.backends = {"apps/chat"};
  v.idle_timeout = Duration{3600000};
  v.keepalive_time = Duration{60000};
  v.keepalive_interval = Duration{10000};
  v.keepalive_probes = 5;
  v.cluster_domain = "corp.internal";
  const auto [out2, err2] = grpcmesh::testing::client_dry_run_yaml(plan_stream(v, stream_facts_from_flags(v)));
  check_golden("stream/stream-client-dry-run-tuned.yaml", out2);
  CHECK(error_of([] { stream_facts_from_flags(host_options()); }) ==
        "--dry-run=client cannot read the host's routes; pass the backends with --backend NAMESPACE/SERVICE");
}

TEST_CASE("stream: removes our route timeout, creates one rule and patches the existing one") {
  const ChangeSet cs = plan_stream(host_options(), live_facts());
  check_golden("stream/stream-live.yaml", dumped(cs));
  check_golden("stream/stream-live.txt", joined(cs.notes));
  REQUIRE(cs.changes.size() == 3);
  CHECK_FALSE(cs.changes[0].object.contains("/spec/http/0/timeout"_json_pointer));
  // the existing DestinationRule for greeter is patched under its own name, not duplicated
  CHECK(cs.changes[2].object["metadata"]["name"] == "greeter");
  CHECK(cs.changes[2].object["metadata"]["namespace"] == "apps");
  CHECK_FALSE(cs.changes[2].object["metadata"].contains("labels"));
  CHECK(cs.changes[2].object["spec"]["host"] == "greeter");
  CHECK(cs.warnings.empty());
}

TEST_CASE("stream: a re-run against the applied state changes nothing more") {
  StreamFacts f = live_facts();
  const ChangeSet first = plan_stream(host_options(), f);
  f.virtual_services[0]["spec"]["http"] = first.changes[0].object["spec"]["http"];
  f.destination_rules.push_back(first.changes[1].object);
  const ChangeSet again = plan_stream(host_options(), f);
  REQUIRE(again.changes.size() == 2);  // only the two DestinationRules, applied unchanged
  CHECK(again.changes[0].object == first.changes[1].object);
  CHECK(again.changes[1].object == first.changes[2].object);
}

TEST_CASE("stream: --grpc-service and --timeout touch only that service's routes") {
  StreamOptions o = host_options();
  o.prefixes = {"/helloworld.Greeter/"};
  o.route_timeout = Duration{3600000};
  const ChangeSet cs = plan_stream(o, live_facts());
  REQUIRE(cs.changes.size() == 2);
  CHECK(cs.changes[0].object["spec"]["http"][0]["timeout"] == "30s");  // the chat route is not selected
  CHECK(cs.changes[0].object["spec"]["http"][1]["timeout"] == "1h");
  CHECK(cs.changes[1].object["metadata"]["name"] == "greeter");
}

TEST_CASE("stream: a route timeout owned by another manager is a conflict naming it, unless forced") {
  StreamFacts f = live_facts();
  f.virtual_services.push_back(load_objects("stream/foreign-timeout.yaml").at(0));
  CHECK(error_of([&] { plan_stream(host_options(), f); }) ==
        "VirtualService apps/legacy has a route timeout (http[0] timeout 15s); the http list of VirtualService "
        "apps/legacy is owned by field manager \"kubectl-client-side-apply\": remove the timeout field from it with: "
        "kubectl edit virtualservice legacy -n apps, or re-run with --force-conflicts to take the list over (only "
        "this change is made)");
  StreamOptions o = host_options();
  o.force = true;
  const ChangeSet cs = plan_stream(o, f);
  const auto& legacy = cs.changes.at(1).object;
  CHECK(legacy == nlohmann::json::parse(R"({"apiVersion":"networking.istio.io/v1","kind":"VirtualService",
      "metadata":{"name":"legacy","namespace":"apps"},"spec":{"http":[{"match":[{"uri":{"prefix":"/legacy.Feed/"}}],
      "route":[{"destination":{"host":"feed","port":{"number":8080}}}]}]}})"));
  // the short destination "feed" is qualified in the VirtualService's namespace
  CHECK(cs.changes.at(2).object["spec"]["host"] == "chat.apps.svc.cluster.local");
  CHECK(cs.changes.at(3).object["spec"]["host"] == "feed.apps.svc.cluster.local");
}

TEST_CASE("stream: a host with no Gateway is an error before anything is planned") {
  StreamFacts f;
  CHECK(error_of([&] { plan_stream(host_options(), f); }) ==
        "no Gateway serves grpc.example.com; create one first: kubectl grpcmesh init --host grpc.example.com");
}

TEST_CASE("stream: the EDGE profile is reported, --gateway-idle-timeout patches the Deployment's annotation") {
  StreamFacts f = live_facts();
  f.gateway.pods = load_objects("stream/gateway-edge.yaml", "Pod");
  f.gateway_deployment = load_objects("stream/gateway-edge.yaml", "Deployment").at(0);
  ChangeSet cs = plan_stream(host_options(), f);
  REQUIRE(cs.warnings.size() == 2);
  CHECK(cs.warnings[0].find("5m") != std::string::npos);

  StreamOptions o = host_options();
  o.gateway_idle_timeout = Duration{3600000};
  cs = plan_stream(o, f);
  check_golden("stream/stream-gateway-idle.yaml", grpcmesh::yaml::dump(cs.changes.back().object));
  REQUIRE(cs.warnings.size() == 2);
  CHECK(cs.warnings[0] == "Deployment istio-system/istio-ingressgateway: changing the pod template restarts the "
                          "gateway pods (rolling)");
  CHECK(cs.warnings[1].rfind("the gateway ends any request", 0) == 0);
  CHECK(cs.notes.back().find("Deployment istio-system/istio-ingressgateway annotation proxy.istio.io/config "
                             "(connectionSettings.httpStreamIdleTimeout)") != std::string::npos);

  f.gateway_deployment.reset();
  CHECK(error_of([&] { plan_stream(o, f); }).rfind("cannot find the Deployment of the gateway pods", 0) == 0);
}

TEST_CASE("stream: hosts sharing the gateway pods share its idle timeout, --remove keeps what others asked for") {
  StreamFacts f = live_facts();
  f.gateway_deployment = load_objects("stream/gateway-edge.yaml", "Deployment").at(0);
  const auto record_of = [](const nlohmann::json& deployment) {
    return nlohmann::json::parse(deployment["metadata"]["annotations"][kGatewayIdleTimeoutsAnnotation].get<std::string>());
  };
  const auto proxy_config_of = [](const nlohmann::json& deployment) {
    return nlohmann::json::parse(
        deployment["spec"]["template"]["metadata"]["annotations"]["proxy.istio.io/config"].get<std::string>());
  };

  // The first host records itself next to the timeout it set.
  StreamOptions a = host_options();
  a.gateway_idle_timeout = Duration{3600000};
  ChangeSet cs = plan_stream(a, f);
  nlohmann::json applied = cs.changes.back().object;
  CHECK(record_of(applied) == nlohmann::json{{"grpc.example.com", "1h"}});

  // A second host asking for less keeps the longer timeout and says why.
  nlohmann::json live = *f.gateway_deployment;
  live.merge_patch(applied);
  live["metadata"]["managedFields"].push_back(nlohmann::json::parse(
      R"({"manager":"kubectl-grpcmesh","operation":"Apply","fieldsV1":{"f:metadata":{"f:annotations":{}}}})"));
  f.gateway_deployment = live;
  StreamOptions b = host_options();
  b.host = "api.example.com";
  b.gateway_idle_timeout = Duration{600000};
  cs = plan_stream(b, f);
  applied = cs.changes.back().object;
  CHECK(record_of(applied) == nlohmann::json{{"api.example.com", "10m"}, {"grpc.example.com", "1h"}});
  CHECK(proxy_config_of(applied)["connectionSettings"]["httpStreamIdleTimeout"] == "1h");
  CHECK(proxy_config_of(applied)["connectionSettings"]["profile"] == "EDGE");
  CHECK(joined(cs.notes).find("keeps a gateway stream idle timeout of 1h, the longest any host on these gateway pods "
                              "asks for (grpc.example.com 1h)") != std::string::npos);
  live.merge_patch(applied);
  f.gateway_deployment = live;

  // Removing the host with the longest timeout lowers it to what the other asked for.
  StreamOptions remove_a = host_options();
  remove_a.remove = true;
  cs = plan_stream(remove_a, f);
  REQUIRE(cs.changes.back().kind == grpcmesh::mesh::Change::Kind::Apply);
  applied = cs.changes.back().object;
  CHECK(applied["kind"] == "Deployment");
  CHECK(record_of(applied) == nlohmann::json{{"api.example.com", "10m"}});
  CHECK(proxy_config_of(applied)["connectionSettings"]["httpStreamIdleTimeout"] == "10m");
  CHECK(joined(cs.notes).find("keeps a gateway stream idle timeout of 10m: api.example.com 10m still asks for it") !=
        std::string::npos);

  // A host that never set it leaves the Deployment alone.
  StreamOptions remove_other = host_options();
  remove_other.host = "other.example.com";
  remove_other.remove = true;
  for (const auto& c : plan_stream(remove_other, f).changes) {
    CHECK(c.object["kind"] != "Deployment");
  }

  // The last host takes the setting away.
  live.merge_patch(applied);
  f.gateway_deployment = live;
  StreamOptions remove_b = b;
  remove_b.gateway_idle_timeout.reset();
  remove_b.remove = true;
  cs = plan_stream(remove_b, f);
  REQUIRE_FALSE(cs.changes.empty());
  CHECK(cs.changes.back().kind == grpcmesh::mesh::Change::Kind::Release);
  CHECK(cs.changes.back().object["kind"] == "Deployment");
}

TEST_CASE("stream: --remove releases the rules it set and leaves others alone") {
  StreamFacts f = live_facts();
  const ChangeSet first = plan_stream(host_options(), f);
  nlohmann::json ours = first.changes[1].object;
  ours["metadata"]["managedFields"] = nlohmann::json::parse(R"([{"manager":"kubectl-grpcmesh","operation":"Apply",
      "fieldsV1":{"f:spec":{"f:host":{}}}}])");
  nlohmann::json theirs = f.destination_rules[0];
  theirs["metadata"]["managedFields"].push_back(nlohmann::json::parse(
      R"({"manager":"kubectl-grpcmesh","operation":"Apply","fieldsV1":{"f:spec":{"f:trafficPolicy":{}}}})"));
  f.destination_rules = {ours, theirs};
  StreamOptions o = host_options();
  o.remove = true;
  const ChangeSet cs = plan_stream(o, f);
  REQUIRE(cs.changes.size() == 2);
  CHECK(cs.changes[0].kind == grpcmesh::mesh::Change::Kind::Release);
  CHECK(cs.changes[0].object["metadata"]["name"] == "chat-grpc-stream");
  CHECK(cs.changes[1].kind == grpcmesh::mesh::Change::Kind::Release);
  CHECK(cs.changes[1].object["metadata"]["name"] == "greeter");
  // nothing of ours on a rule: nothing to release
  f.destination_rules = load_objects("stream/host.yaml", "DestinationRule");
  CHECK(plan_stream(o, f).changes.empty());
}

TEST_CASE("stream: hosts routed to one backend share its rule, --remove keeps what the others asked for") {
  StreamFacts f = live_facts();
  f.virtual_services.clear();  // only the rules: the backends are given
  f.destination_rules.clear();
  const auto record_of = [](const nlohmann::json& dr) {
    return nlohmann::json::parse(dr["metadata"]["annotations"][kStreamSettingsAnnotation].get<std::string>());
  };
  const auto pool_of = [](const nlohmann::json& dr) { return dr["spec"]["trafficPolicy"]["connectionPool"]; };
  // What the server holds after our apply: the applied object, owned by our manager.
  const auto live = [](const nlohmann::json& applied) {
    nlohmann::json out = applied;
    out["metadata"]["managedFields"] = nlohmann::json::parse(
        R"([{"manager":"kubectl-grpcmesh","operation":"Apply","fieldsV1":{"f:spec":{"f:trafficPolicy":{}}}}])");
    return out;
  };

  // Host a: 2h idle, keepalive 1m/10s x 5, connections live at most 4h.
  StreamOptions a = host_options();
  a.backends = {"apps/greeter"};
  a.idle_timeout = Duration{2 * 3600000};
  a.keepalive_time = Duration{60000};
  a.keepalive_interval = Duration{10000};
  a.keepalive_probes = 5;
  a.max_connection_duration = Duration{4 * 3600000};
  ChangeSet cs = plan_stream(a, f);
  REQUIRE(cs.changes.size() == 1);
  nlohmann::json applied = cs.changes[0].object;
  CHECK(record_of(applied) == nlohmann::json::parse(R"({"grpc.example.com":{"idleTimeout":"2h",
      "maxConnectionDuration":"4h","tcpKeepalive":{"interval":"10s","probes":5,"time":"1m"}}})"));
  f.destination_rules = {live(applied)};

  // Host b on the same backend: the defaults (24h idle, 5m/30s x 3, no max
  // connection duration). The rule gets what serves both, and says so.
  StreamOptions b = host_options();
  b.host = "api.example.com";
  b.backends = {"apps/greeter"};
  cs = plan_stream(b, f);
  REQUIRE(cs.changes.size() == 1);
  applied = cs.changes[0].object;
  CHECK(applied["metadata"]["name"] == "greeter-grpc-stream");
  CHECK(record_of(applied).size() == 2);
  CHECK(record_of(applied)["grpc.example.com"]["idleTimeout"] == "2h");
  CHECK(record_of(applied)["api.example.com"]["idleTimeout"] == "24h");
  CHECK(pool_of(applied) == nlohmann::json::parse(R"({"http":{"idleTimeout":"24h"},
      "tcp":{"tcpKeepalive":{"interval":"10s","probes":5,"time":"1m"}}})"));
  CHECK(joined(cs.notes).find("DestinationRule apps/greeter-grpc-stream is shared with grpc.example.com (routed to "
                              "greeter.apps.svc.cluster.local too): it gets what serves every host (idle timeout 24h, "
                              "keepalive time 1m interval 10s probes 5, no max connection duration)") !=
        std::string::npos);
  f.destination_rules = {live(applied)};

  // A re-run of b applies the same object: nothing changes.
  CHECK(plan_stream(b, f).changes[0].object == applied);

  // A host that never set stream settings there leaves them alone.
  StreamOptions other = host_options();
  other.host = "other.example.com";
  other.backends = {"apps/greeter"};
  other.remove = true;
  cs = plan_stream(other, f);
  CHECK(cs.changes.empty());
  CHECK(joined(cs.notes).find("other.example.com set no stream settings") != std::string::npos);

  // b's --remove gives the rule back exactly what a asked for.
  StreamOptions remove_b = b;
  remove_b.remove = true;
  cs = plan_stream(remove_b, f);
  REQUIRE(cs.changes.size() == 1);
  REQUIRE(cs.changes[0].kind == grpcmesh::mesh::Change::Kind::Apply);
  applied = cs.changes[0].object;
  CHECK(record_of(applied) == nlohmann::json{{"grpc.example.com", record_of(f.destination_rules[0])["grpc.example.com"]}});
  CHECK(pool_of(applied) == nlohmann::json::parse(R"({"http":{"idleTimeout":"2h"},
      "tcp":{"maxConnectionDuration":"4h","tcpKeepalive":{"interval":"10s","probes":5,"time":"1m"}}})"));
  CHECK(joined(cs.notes).find("keeps the stream settings for greeter.apps.svc.cluster.local that grpc.example.com "
                              "still asks for") != std::string::npos);
  f.destination_rules = {live(applied)};

  // The last host releases the rule.
  StreamOptions remove_a = a;
  remove_a.remove = true;
  cs = plan_stream(remove_a, f);
  REQUIRE(cs.changes.size() == 1);
  CHECK(cs.changes[0].kind == grpcmesh::mesh::Change::Kind::Release);

  // A host recorded on a rule its routes no longer lead to still drops its entry there.
  StreamOptions gone = b;
  gone.backends.clear();
  gone.remove = true;
  f.destination_rules = {live(plan_stream(b, StreamFacts{f}).changes[0].object)};
  cs = plan_stream(gone, f);
  REQUIRE(cs.changes.size() == 1);
  CHECK(cs.changes[0].kind == grpcmesh::mesh::Change::Kind::Apply);
  CHECK(record_of(cs.changes[0].object).count("api.example.com") == 0);
}

TEST_CASE("stream: warnings for settings in an existing rule that defeat or break the change") {
  StreamFacts f = live_facts();
  f.destination_rules[0]["spec"]["trafficPolicy"]["connectionPool"] =
      nlohmann::json::parse(R"({"http":{"h2UpgradePolicy":"UPGRADE","useClientProtocol":true}})");
  f.destination_rules[0]["spec"]["trafficPolicy"]["portLevelSettings"] =
      nlohmann::json::parse(R"([{"port":{"number":50051},"connectionPool":{"http":{"idleTimeout":"5m"}}}])");
  const ChangeSet cs = plan_stream(host_options(), f);
  REQUIRE(cs.warnings.size() == 2);
  CHECK(cs.warnings[0] == "DestinationRule apps/greeter sets h2UpgradePolicy UPGRADE together with "
                          "useClientProtocol: true, which Istio rejects; drop useClientProtocol");
  CHECK(cs.warnings[1].rfind("DestinationRule apps/greeter has portLevelSettings with a connectionPool for port "
                             "50051", 0) == 0);
}

TEST_CASE("stream: removes a per-try timeout from the selected routes, keeps their retries, and says so") {
  StreamFacts f = live_facts();
  auto& http = f.virtual_services[0]["spec"]["http"];
  http[0]["retries"] = {{"attempts", 3}, {"retryOn", "unavailable"}, {"perTryTimeout", "10s"}};
  http[1]["retries"] = {{"attempts", 2}, {"perTryTimeout", "1s"}};
  StreamOptions o = host_options();
  o.prefixes = {"/helloworld.Greeter/"};  // only the catch-all route (greeter) is selected
  const ChangeSet cs = plan_stream(o, f);
  const auto& planned = cs.changes.at(0).object["spec"]["http"];
  CHECK(planned[0]["retries"] == http[0]["retries"]);  // the chat route is not selected
  CHECK(planned[1]["retries"] == nlohmann::json{{"attempts", 2}});
  CHECK(std::find(cs.notes.begin(), cs.notes.end(),
                  "VirtualService istio-system/grpc-example-com: retries.perTryTimeout removed, as a try's clock "
                  "starts when the request is complete and cuts longer server streams; the retries stay (http[1] "
                  "perTryTimeout 1s)") != cs.notes.end());
  // the chain shows the retries that stay, and no per-try timeout
  const std::string chain = cs.notes.back();
  CHECK(chain.find("  gateway retries ") != std::string::npos);
  CHECK(chain.find("http[1].retries: no perTryTimeout") != std::string::npos);
  CHECK(chain.find("! gateway per-try timeout") == std::string::npos);

  // a re-run changes nothing more
  f.virtual_services[0]["spec"]["http"] = planned;
  const ChangeSet again = plan_stream(o, f);
  CHECK(std::none_of(again.notes.begin(), again.notes.end(),
                     [](const std::string& n) { return n.find("perTryTimeout removed") != std::string::npos; }));
}

TEST_CASE("stream: a per-try timeout in someone else's list is a conflict naming the fix") {
  StreamFacts f = live_facts();
  nlohmann::json legacy = load_objects("stream/foreign-timeout.yaml").at(0);
  legacy["spec"]["http"][0].erase("timeout");
  legacy["spec"]["http"][0]["retries"] = {{"attempts", 2}, {"perTryTimeout", "5s"}};
  f.virtual_services.push_back(legacy);
  CHECK(error_of([&] { plan_stream(host_options(), f); }) ==
        "VirtualService apps/legacy has a retries.perTryTimeout that cuts streams (http[0] perTryTimeout 5s); "
        "the http list of VirtualService apps/legacy is owned by field manager \"kubectl-client-side-apply\": remove "
        "retries.perTryTimeout from it with: kubectl edit virtualservice legacy -n apps, or re-run with "
        "--force-conflicts to take the list over (only this change is made)");
}
