#include "core/mesh/init_command.hpp"

#include <doctest/doctest.h>

#include <sstream>

#include "core/manifest/gateway.hpp"
#include "core/mesh/local_state.hpp"
#include "core/util/yaml.hpp"
#include "tests/unit/mesh/fixtures.hpp"

using namespace grpcmesh::mesh;
using grpcmesh::testing::check_golden;
using grpcmesh::testing::error_of;
using grpcmesh::testing::load_objects;

namespace {

InitFacts live_facts() {
  InitFacts f;
  f.workload = find_gateway_workload({{"istio", "ingressgateway"}}, load_objects("mesh/ingress.yaml", "Pod"),
                                     load_objects("mesh/ingress.yaml", "Service"));
  f.ports_known = true;
  f.credential_exists = false;
  return f;
}

InitOptions host(const std::string& h) {
  InitOptions o;
  o.host = h;
  return o;
}

std::string dumped(const ChangeSet& cs) { return grpcmesh::yaml::dump_all(planned_objects(cs)); }

}  // namespace

TEST_CASE("init: HTTPS Gateway in the gateway pods' namespace, warning about the missing Secret") {
  ChangeSet cs = plan_init(host("grpc.example.com"), live_facts());
  check_golden("mesh/init-https.yaml", dumped(cs));
  REQUIRE(cs.warnings.size() == 1);
  CHECK(cs.warnings[0] ==
        "Secret istio-system/grpc-example-com-tls does not exist yet, so the HTTPS server has no certificate; create "
        "it with: kubectl grpcmesh tls --host grpc.example.com --self-signed (or --cert FILE --key FILE)");
  CHECK(cs.notes[0] ==
        "Gateway istio-system/grpc-example-com serves grpc.example.com: HTTPS on port 443 (tls SIMPLE, credentialName "
        "grpc-example-com-tls) through Service istio-system/istio-ingressgateway");
}

TEST_CASE("init: --plaintext alone creates an h2c-only Gateway, on an existing HTTPS Gateway it adds the server") {
  InitOptions o = host("grpc.example.com");
  o.plaintext = true;
  InitFacts f = live_facts();
  ChangeSet cs = plan_init(o, f);
  check_golden("mesh/init-plaintext.yaml", dumped(cs));
  CHECK(cs.warnings.empty());

  f.gateway = plan_init(host("grpc.example.com"), live_facts()).changes.at(0).object;
  cs = plan_init(o, f);
  check_golden("mesh/init-https-plaintext.yaml", dumped(cs));
  // and a plain re-run keeps the h2c server
  f.gateway = cs.changes.at(0).object;
  CHECK(dumped(plan_init(host("grpc.example.com"), f)) == dumped(cs));
}

TEST_CASE("init: --client-ca makes the server MUTUAL with a -cacert Secret") {
  InitOptions o = host("grpc.example.com");
  o.client_ca_pem = "CA PEM\n";
  o.credential_name = "my-cred";
  check_golden("mesh/init-mutual.yaml", dumped(plan_init(o, live_facts())));
}

TEST_CASE("init: a port the ingress Service does not expose fails with the patch to run") {
  InitOptions o = host("grpc.example.com");
  o.https_port = 9443;
  CHECK(error_of([&] { plan_init(o, live_facts()); }).rfind("port 9443 (--https-port) is not exposed by Service "
                                                           "istio-system/istio-ingressgateway",
                                                           0) == 0);
  o.https_port = 8443;  // exposed as targetPort
  CHECK(plan_init(o, live_facts()).changes.size() == 1);
}

TEST_CASE("init: a Gateway of the same name not made by us is left alone") {
  InitFacts f = live_facts();
  f.gateway = nlohmann::json{{"metadata", {{"name", "grpc-example-com"}, {"namespace", "istio-system"}}}};
  CHECK(error_of([&] { plan_init(host("grpc.example.com"), f); })
            .rfind("Gateway istio-system/grpc-example-com already exists and was not created by kubectl-grpcmesh", 0) ==
        0);
}

TEST_CASE("init: --remove releases the Gateway, or only the named server") {
  InitFacts f = live_facts();
  InitOptions both = host("grpc.example.com");
  both.https = both.plaintext = true;
  f.gateway = plan_init(both, f).changes.at(0).object;

  InitOptions rm = host("grpc.example.com");
  rm.remove = true;
  ChangeSet cs = plan_init(rm, f);
  REQUIRE(cs.changes.size() == 1);
  CHECK(cs.changes[0].kind == Change::Kind::Release);

  rm.plaintext = true;
  cs = plan_init(rm, f);
  REQUIRE(cs.changes.size() == 1);
  CHECK(cs.changes[0].kind == Change::Kind::Apply);
  CHECK(cs.changes[0].object == plan_init(host("grpc.example.com"), live_facts()).changes[0].object);

  f.gateway.reset();
  CHECK(plan_init(rm, f).changes.empty());
}

TEST_CASE("init: --remove finds the Gateway made with --selector without being given it again") {
  // Two gateway workloads: the default one, and an edge gateway init was
  // pointed at with --selector app=edge.
  const std::string workloads =
      "apiVersion: v1\nkind: Pod\nmetadata: {name: ingress-1, namespace: istio-system, labels: {istio: "
      "ingressgateway}}\n---\n"
      "apiVersion: v1\nkind: Service\nmetadata: {name: istio-ingressgateway, namespace: istio-system}\n"
      "spec: {type: LoadBalancer, selector: {istio: ingressgateway}, ports: [{name: https, port: 443}]}\n---\n"
      "apiVersion: v1\nkind: Pod\nmetadata: {name: edge-1, namespace: edge, labels: {app: edge}}\n---\n"
      "apiVersion: v1\nkind: Service\nmetadata: {name: edge-gateway, namespace: edge}\n"
      "spec: {type: LoadBalancer, selector: {app: edge}, ports: [{name: http2, port: 80}, {name: https, port: 443}]}\n";
  const auto load = [](const std::string& text) {
    std::istringstream in(text);
    return LocalState::load({"-"}, in, "default", "kubectl-grpcmesh");
  };
  InitOptions make = host("grpc.example.com");
  make.selector = {{"app", "edge"}};
  LocalState before = load(workloads);
  const ChangeSet made = plan_init(make, read_init_facts(before, make));
  REQUIRE(made.changes.size() == 1);
  CHECK(made.changes[0].object["metadata"]["namespace"] == "edge");

  LocalState after = load(workloads + "---\n" + made.changes[0].object.dump() + "\n");
  InitOptions rm = host("grpc.example.com");  // the default selector, istio=ingressgateway
  rm.remove = true;
  const InitFacts f = read_init_facts(after, rm);
  CHECK(f.workload.namespace_name == "edge");
  const ChangeSet removed = plan_init(rm, f);
  REQUIRE(removed.changes.size() == 1);
  CHECK(removed.changes[0].kind == Change::Kind::Release);
  CHECK(removed.changes[0].object["metadata"]["namespace"] == "edge");

  // Removing only the h2c server keeps the Gateway's own selector.
  rm.plaintext = true;
  InitOptions both = make;
  both.https = both.plaintext = true;
  LocalState with_both = load(workloads + "---\n" + plan_init(both, read_init_facts(before, both)).changes[0].object.dump() + "\n");
  const ChangeSet kept = plan_init(rm, read_init_facts(with_both, rm));
  REQUIRE(kept.changes.size() == 1);
  CHECK(kept.changes[0].kind == Change::Kind::Apply);
  CHECK(kept.changes[0].object["spec"]["selector"] == nlohmann::json{{"app", "edge"}});

  // Made in two namespaces: which one to remove is the user's to say.
  nlohmann::json twin = made.changes[0].object;
  twin["metadata"]["namespace"] = "istio-system";
  LocalState two = load(workloads + "---\n" + made.changes[0].object.dump() + "\n---\n" + twin.dump() + "\n");
  rm.plaintext = false;
  CHECK(error_of([&] { read_init_facts(two, rm); }) ==
        "kubectl-grpcmesh made a Gateway grpc-example-com in namespaces edge and istio-system; pass "
        "--gateway-namespace to say which to remove");
}

TEST_CASE("init: another Gateway serving the host on the same port is a warning") {
  InitFacts f = live_facts();
  ServerRef other;
  other.gateway_namespace = "web";
  other.gateway_name = "legacy";
  other.port = 443;
  f.other_servers.push_back(other);
  ChangeSet cs = plan_init(host("grpc.example.com"), f);
  CHECK(cs.warnings.at(0).rfind("Gateway web/legacy also serves grpc.example.com on port 443", 0) == 0);
}

TEST_CASE("init: --dry-run=client takes the namespace from --gateway-namespace and needs it") {
  InitOptions o = host("grpc.example.com");
  CHECK(error_of([&] { init_facts_from_flags(o); }) ==
        "--dry-run=client cannot look up the gateway pods' namespace; pass --gateway-namespace (e.g. istio-system)");
  o.gateway_namespace = "istio-system";
  ChangeSet cs = plan_init(o, init_facts_from_flags(o));
  CHECK(dumped(cs) == dumped(plan_init(host("grpc.example.com"), live_facts())));
  CHECK(cs.warnings.empty());  // unknown whether the Secret exists: no warning
}
