#include "core/mesh/local_state.hpp"

#include <doctest/doctest.h>

#include <sstream>

#include "core/mesh/cluster_read.hpp"
#include "core/mesh/init_command.hpp"
#include "core/mesh/ownership.hpp"
#include "core/util/error.hpp"
#include "core/util/yaml.hpp"
#include "tests/unit/mesh/fixtures.hpp"

using namespace grpcmesh::mesh;
using grpcmesh::testing::error_of;
using grpcmesh::testing::load_objects;
using grpcmesh::testing::testdata_path;
namespace kinds = grpcmesh::kube::kinds;

namespace {

LocalState from_yaml(const std::string& text, const std::string& default_namespace = "default") {
  std::vector<LocalObject> objects;
  std::istringstream in(text);
  return LocalState::load({"-"}, in, default_namespace, "kubectl-grpcmesh");
}

LocalState repo() {
  std::istringstream none;
  return LocalState::load({testdata_path("local/repo")}, none, "default", "kubectl-grpcmesh");
}

nlohmann::json object(const std::string& yaml) { return grpcmesh::yaml::parse(yaml); }

}  // namespace

TEST_CASE("local state: a repository read as check -f reads it") {
  LocalState state = repo();
  // Directories recursively in name order, a List's items one by one, JSON and YAML.
  std::vector<std::string> names;
  for (const auto& o : state.objects()) {
    names.push_back(o.object["kind"].get<std::string>() + " " + o.object["metadata"].value("name", ""));
  }
  CHECK(names == std::vector<std::string>{"Namespace apps", "Service greeter", "Service echo", "Service admin",
                                          "Service istio-ingressgateway", "Deployment istio-ingressgateway",
                                          "Gateway api-example-com", "VirtualService api-example-com",
                                          "Gateway grpc-example-com", "VirtualService grpc-example-com",
                                          "VirtualService admin-routes"});
  CHECK_FALSE(state.objects()[0].object["metadata"].contains("namespace"));  // a Namespace has none
  CHECK(state.objects()[0].origin == testdata_path("local/repo") + "/apps/services.yaml:2");
  // Which facts the files hold: the Istio kinds always, others when present.
  CHECK(state.knows(kinds::kVirtualService));
  CHECK(state.knows(kinds::kEnvoyFilter));
  CHECK(state.knows(kinds::kService));
  CHECK(state.knows(kinds::kDeployment));
  CHECK_FALSE(state.knows(kinds::kPod));
  CHECK_FALSE(state.knows(kinds::kSecret));
  CHECK_FALSE(state.knows(kinds::kConfigMap));
  CHECK(state.source() == "the files");
  CHECK(state.istio_api_version() == "networking.istio.io/v1");
}

TEST_CASE("local state: lists by namespace and label selector, gets by name") {
  LocalState state = from_yaml(
      "apiVersion: v1\nkind: Service\nmetadata: {name: a, labels: {team: x}}\n---\n"
      "apiVersion: v1\nkind: Service\nmetadata: {name: b, namespace: apps, labels: {team: x, tier: web}}\n---\n"
      "apiVersion: v1\nkind: Service\nmetadata: {name: c, namespace: apps}\n---\n"
      "apiVersion: networking.istio.io/v1beta1\nkind: Gateway\nmetadata: {name: g}\n",
      "team-ns");
  CHECK(state.list(kinds::kService, {}).items.size() == 3);
  CHECK(state.list(kinds::kService, {"apps", "", "", 500}).items.size() == 2);
  CHECK(state.list(kinds::kService, {"", "team=x", "", 500}).items.size() == 2);
  CHECK(state.list(kinds::kService, {"", "team=x,tier=web", "", 500}).items.size() == 1);
  REQUIRE(state.get(kinds::kService, "team-ns", "a"));  // no namespace: the default one
  CHECK_FALSE(state.get(kinds::kService, "default", "a"));
  CHECK_FALSE(state.get(kinds::kIstioGateway, "apps", "a"));
  // The version the repository writes Istio objects at.
  CHECK(state.istio_api_version() == "networking.istio.io/v1beta1");
}

TEST_CASE("local state: a later object replaces a same-named earlier one") {
  LocalState state = from_yaml(
      "apiVersion: v1\nkind: Service\nmetadata: {name: a}\nspec: {type: ClusterIP}\n---\n"
      "apiVersion: v1\nkind: Service\nmetadata: {name: b}\n---\n"
      "apiVersion: v1\nkind: Service\nmetadata: {name: a, namespace: default}\nspec: {type: NodePort}\n");
  REQUIRE(state.objects().size() == 2);
  CHECK(state.objects()[0].object["spec"]["type"] == "NodePort");
}

TEST_CASE("local state: the errors of check -f") {
  CHECK(error_of([] { from_yaml("- a\n- b\n"); }) ==
        "<stdin>:1: the document is not an object; each YAML document must be one Kubernetes object");
  CHECK(error_of([] { from_yaml("apiVersion: v1\nmetadata: {name: a}\n"); }) ==
        "<stdin>:1: the object has no kind; every object needs apiVersion and kind");
  CHECK(error_of([] { from_yaml("kind: Service\n"); }) ==
        "<stdin>:1: the object has no apiVersion; every object needs apiVersion and kind");
  CHECK(error_of([] { from_yaml("# nothing\n"); }) ==
        "no Kubernetes objects found in -: give -f files or directories with YAML or JSON manifests");
  std::istringstream none;
  CHECK(error_of([&] { LocalState::load({"/nonexistent/x"}, none, "default", "m"); }) ==
        "the path \"/nonexistent/x\" does not exist: check -f (a file, a directory or - for stdin)");
}

TEST_CASE("local state: ownership as a cluster would record it") {
  LocalState state = from_yaml(
      "apiVersion: v1\nkind: Secret\nmetadata: {name: ours, labels: {app.kubernetes.io/managed-by: "
      "kubectl-grpcmesh}}\n---\n"
      "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: shared, annotations: "
      "{kubectl-grpcmesh/gateway-idle-timeouts: '{}'}}\n---\n"
      "apiVersion: v1\nkind: Service\nmetadata: {name: theirs}\n");
  const auto ours = state.get(kinds::kSecret, "default", "ours");
  const auto shared = state.get(kinds::kDeployment, "default", "shared");
  const auto theirs = state.get(kinds::kService, "default", "theirs");
  CHECK(field_managers(*ours) == std::vector<std::string>{"kubectl-grpcmesh"});
  CHECK_FALSE(others_own_fields(*ours, "kubectl-grpcmesh"));
  CHECK(field_managers(*shared) == std::vector<std::string>{"kubectl-grpcmesh", "manifests"});
  CHECK(others_own_fields(*shared, "kubectl-grpcmesh"));
  CHECK(field_managers(*theirs).empty());
}

TEST_CASE("local state: an apply configuration merges as server-side apply merges it") {
  const nlohmann::json service = object(
      "apiVersion: v1\nkind: Service\nmetadata: {name: s, namespace: a, labels: {team: b}}\n"
      "spec: {selector: {app: s}, ports: [{name: api, port: 9000, protocol: TCP}, {name: m, port: 9090}]}\n");
  // A Service's ports merge by port and protocol; maps key by key.
  const nlohmann::json merged = merge_applied(
      service,
      object("apiVersion: v1\nkind: Service\nmetadata: {name: s, namespace: a}\n"
             "spec: {ports: [{port: 9000, protocol: TCP, appProtocol: grpc}]}\n"),
      false);
  CHECK(merged["spec"]["ports"] ==
        object("[{name: api, port: 9000, protocol: TCP, appProtocol: grpc}, {name: m, port: 9090}]"));
  CHECK(merged["metadata"]["labels"]["team"] == "b");
  CHECK(merged["spec"]["selector"]["app"] == "s");
  // Other lists are replaced whole.
  const nlohmann::json vs = object("kind: VirtualService\nspec: {hosts: [a], http: [{name: one}, {name: two}]}\n");
  CHECK(merge_applied(vs, object("kind: VirtualService\nspec: {http: [{name: three}]}"), false)["spec"] ==
        object("{hosts: [a], http: [{name: three}]}"));
  // On an object wholly ours, the sections given replace the old ones.
  const nlohmann::json secret =
      object("kind: Secret\nmetadata: {name: x, annotations: {keep: me}}\ndata: {tls.crt: A, ca.crt: C}\n");
  const nlohmann::json rotated = merge_applied(secret, object("kind: Secret\ndata: {tls.crt: B}"), true);
  CHECK(rotated["data"] == object("{tls.crt: B}"));
  CHECK(rotated["metadata"]["annotations"]["keep"] == "me");
}

TEST_CASE("local state: a change set gives the changed objects in the files' order, new ones after") {
  LocalState state = from_yaml(
      "apiVersion: v1\nkind: Service\nmetadata: {name: first}\nspec: {type: ClusterIP}\n---\n"
      "apiVersion: v1\nkind: Service\nmetadata: {name: same}\nspec: {type: ClusterIP}\n---\n"
      "apiVersion: v1\nkind: Secret\nmetadata: {name: gone, labels: {app.kubernetes.io/managed-by: "
      "kubectl-grpcmesh}}\n---\n"
      "apiVersion: v1\nkind: Secret\nmetadata: {name: kept}\n---\n"
      "apiVersion: v1\nkind: Service\nmetadata: {name: last}\nspec: {type: ClusterIP}\n");
  ChangeSet cs;
  const auto svc = [](const std::string& name, const std::string& type) {
    return object("apiVersion: v1\nkind: Service\nmetadata: {name: " + name + ", namespace: default}\nspec: {type: " +
                  type + "}\n");
  };
  cs.changes.push_back({Change::Kind::Apply, svc("new", "ClusterIP")});
  cs.changes.push_back({Change::Kind::Apply, svc("last", "NodePort")});
  cs.changes.push_back({Change::Kind::Apply, svc("same", "ClusterIP")});  // no change: not printed
  cs.changes.push_back({Change::Kind::Apply, svc("first", "LoadBalancer")});
  cs.changes.push_back({Change::Kind::Release, *state.get(kinds::kSecret, "default", "gone")});
  cs.changes.push_back({Change::Kind::Release, *state.get(kinds::kSecret, "default", "kept")});  // nothing of it ours
  const LocalResult r = state.apply(cs);
  std::vector<std::string> names;
  for (const auto& o : r.objects) {
    names.push_back(o["metadata"]["name"].get<std::string>() + " " + o["spec"]["type"].get<std::string>());
    CHECK_FALSE(o["metadata"].contains("managedFields"));
  }
  CHECK(names == std::vector<std::string>{"first LoadBalancer", "last NodePort", "new ClusterIP"});
  CHECK(r.deleted == std::vector<std::string>{"secret/gone in default (<stdin>:11)"});
}

TEST_CASE("local state: taking back fields of a shared object is refused, naming the object") {
  LocalState state = from_yaml(
      "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: gw, namespace: istio-system, annotations: "
      "{kubectl-grpcmesh/gateway-idle-timeouts: '{}'}}\n");
  ChangeSet cs;
  cs.changes.push_back({Change::Kind::Release, *state.get(kinds::kDeployment, "istio-system", "gw")});
  CHECK(error_of([&] { state.apply(cs); }).rfind(
            "--local cannot take back what kubectl-grpcmesh set on Deployment istio-system/gw (<stdin>:1): the object "
            "is shared with its other owners and manifests record no field ownership",
            0) == 0);
}

TEST_CASE("local state: init plans from files exactly what it plans from the same live facts") {
  // tests/testdata/mesh/ingress.yaml holds the gateway Pods and Services, as
  // read from a cluster; the live facts of init_command_test.cpp come from it.
  std::istringstream none;
  LocalState state =
      LocalState::load({testdata_path("mesh/ingress.yaml")}, none, "default", "kubectl-grpcmesh");
  InitOptions o;
  o.host = "grpc.example.com";
  o.plaintext = true;
  const InitFacts local = read_init_facts(state, o);
  InitFacts live;
  live.workload = find_gateway_workload({{"istio", "ingressgateway"}}, load_objects("mesh/ingress.yaml", "Pod"),
                                        load_objects("mesh/ingress.yaml", "Service"));
  live.ports_known = true;
  CHECK(local.workload.namespace_name == "istio-system");
  CHECK(local.workload.service == live.workload.service);
  CHECK(local.workload.pods == live.workload.pods);
  CHECK(local.ports_known);
  CHECK(planned_objects(plan_init(o, local)) == planned_objects(plan_init(o, live)));
}

TEST_CASE("local state: without Pods the gateway namespace comes from the flag, the Service from the files") {
  LocalState state = repo();
  CHECK(error_of([&] { read_gateway_workload(state, {{"istio", "ingressgateway"}}, ""); }) ==
        "the gateway pods' namespace is unknown: the files hold no Pods matching istio=ingressgateway; pass "
        "--gateway-namespace (e.g. istio-system)");
  const GatewayWorkload w = read_gateway_workload(state, {{"istio", "ingressgateway"}}, "istio-system");
  CHECK(w.namespace_name == "istio-system");
  CHECK(w.service == "istio-ingressgateway");
  CHECK(exposes(w, 443));
  CHECK(w.pods.empty());
  InitOptions o;
  o.host = "grpc.example.com";
  o.gateway_namespace = "istio-system";
  const InitFacts f = read_init_facts(state, o);
  CHECK(f.ports_known);
  CHECK_FALSE(f.credential_exists.has_value());  // the files hold no Secrets: unknown, not missing
  REQUIRE(f.gateway);
}
