// check reads Namespaces (no GM0001 for them) and prints cluster-scoped
// objects without a namespace, in every output format.
#include <doctest/doctest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "core/check/check.hpp"
#include "core/check/file_loader.hpp"
#include "core/check/resource.hpp"
#include "core/util/error.hpp"
#include "fixture_util.hpp"

using namespace grpcmesh::check;
namespace fs = std::filesystem;

namespace {

// A file in a fresh directory, removed with it.
struct TempFile {
  fs::path dir;
  fs::path path;
  explicit TempFile(const std::string& text) {
    dir = fs::temp_directory_path() / ("grpcmesh-ns-" + std::to_string(::getpid()) + "-" +
                                       std::to_string(reinterpret_cast<uintptr_t>(this)));
    fs::create_directories(dir);
    path = dir / "extra.yaml";
    std::ofstream(path) << text;
  }
  ~TempFile() { fs::remove_all(dir); }
};

constexpr const char* kNamespaces =
    "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: grpc-apps\n---\n"
    "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Namespace\n  metadata: {name: default}\n";

constexpr const char* kClusterScoped =
    "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: grpc-reader\n"
    "  namespace: grpc-apps\n---\n"
    "apiVersion: networking.k8s.io/v1\nkind: IngressClass\nmetadata:\n  name: istio\n";

struct Run {
  int code = -1;
  std::string out;
};

// check over the ok-https fixture plus `extra`, with no cluster.
Run check_with(const std::string& extra, OutputFormat output = OutputFormat::Human) {
  TempFile file(extra);
  Options options;
  options.live = false;
  options.output = output;
  options.now = check_test::fixture_now();
  options.files = {(check_test::fixture_root() / "ok-https").string(), file.path.string()};
  std::istringstream in;
  std::ostringstream out, err;
  grpcmesh::Streams streams{in, out, err};
  Run r;
  r.code = run_check(options, [](Snapshot&, const Options&) { FAIL("offline must not contact a cluster"); }, streams);
  r.out = out.str();
  return r;
}

}  // namespace

TEST_CASE("namespaces: a v1 Namespace is read, not ignored, cluster-scoped kinds have no namespace") {
  Snapshot s;
  std::istringstream in(std::string(kNamespaces) + "---\n" + kClusterScoped +
                        "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\n");
  CHECK(load_files(s, {"-"}, in, "apps") == 5);
  REQUIRE(s.ignored().size() == 3);
  CHECK(s.ignored()[0].kind == "ClusterRole");
  CHECK(s.ignored()[0].namespace_name.empty());  // its metadata.namespace means nothing
  CHECK(s.ignored()[1].kind == "IngressClass");
  CHECK(s.ignored()[1].namespace_name.empty());
  CHECK(s.ignored()[2].kind == "ConfigMap");
  CHECK(s.ignored()[2].namespace_name == "apps");
}

TEST_CASE("namespaces: only Kubernetes' own cluster-scoped kinds count as such") {
  CHECK(cluster_scoped("", "Namespace"));
  CHECK(cluster_scoped("rbac.authorization.k8s.io", "ClusterRole"));
  CHECK(cluster_scoped("gateway.networking.k8s.io", "GatewayClass"));
  CHECK_FALSE(cluster_scoped("", "ConfigMap"));
  CHECK_FALSE(cluster_scoped("example.com", "Namespace"));  // another group's kind of that name
  CHECK_FALSE(cluster_scoped("gateway.networking.k8s.io", "Gateway"));
}

TEST_CASE("namespaces: declaring the namespaces adds no finding to a clean configuration") {
  Run r = check_with(kNamespaces, OutputFormat::Json);
  CHECK(r.code == grpcmesh::kExitOk);
  auto j = nlohmann::json::parse(r.out);
  for (const auto& f : j["findings"]) {
    CHECK(f["code"] != "GM0001");
  }
  CHECK(r.out.find("Namespace") == std::string::npos);
}

TEST_CASE("namespaces: a cluster-scoped object is printed without a namespace in every format") {
  Run human = check_with(kClusterScoped);
  INFO(human.out);
  CHECK(human.out.find("info GM0001 ClusterRole grpc-reader (") != std::string::npos);
  CHECK(human.out.find("info GM0001 IngressClass istio (") != std::string::npos);
  CHECK(human.out.find("/grpc-reader") == std::string::npos);

  auto j = nlohmann::json::parse(check_with(kClusterScoped, OutputFormat::Json).out);
  std::vector<nlohmann::json> resources;
  for (const auto& f : j["findings"]) {
    if (f["code"] == "GM0001") {
      resources.push_back(f["resource"]);
    }
  }
  REQUIRE(resources.size() == 2);
  CHECK(resources[0] == nlohmann::json::parse(R"({"kind":"ClusterRole","name":"grpc-reader"})"));
  CHECK(resources[1] == nlohmann::json::parse(R"({"kind":"IngressClass","name":"istio"})"));

  std::string yaml = check_with(kClusterScoped, OutputFormat::Yaml).out;
  INFO(yaml);
  CHECK(yaml.find("  resource:\n    kind: ClusterRole\n    name: grpc-reader\n") != std::string::npos);

  auto sarif = nlohmann::json::parse(
      check_with(std::string(kClusterScoped) + "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\n",
                 OutputFormat::Sarif)
          .out);
  std::vector<std::string> names;
  for (const auto& result : sarif["runs"][0]["results"]) {
    names.push_back(result["locations"][0]["logicalLocations"][0]["fullyQualifiedName"]);
  }
  CHECK(std::find(names.begin(), names.end(), "ClusterRole/grpc-reader") != names.end());
  CHECK(std::find(names.begin(), names.end(), "IngressClass/istio") != names.end());
  // a namespaced object keeps its namespace
  CHECK(std::find(names.begin(), names.end(), "ConfigMap/default/settings") != names.end());
}

TEST_CASE("namespaces: a route into a declared namespace that holds nothing else is still checked") {
  // The route's Gateway and destination live in namespaces the files declare
  // and leave empty: both are missing, and said so.
  std::string files = std::string(kNamespaces) +
                      "---\napiVersion: v1\nkind: Namespace\nmetadata: {name: edge}\n"
                      "---\napiVersion: v1\nkind: Namespace\nmetadata: {name: backend}\n"
                      "---\napiVersion: networking.istio.io/v1\nkind: VirtualService\n"
                      "metadata: {name: api, namespace: grpc-apps}\n"
                      "spec:\n  hosts: [api.example.com]\n  gateways: [edge/api-gateway]\n"
                      "  http:\n  - route:\n    - destination:\n        host: api.backend.svc.cluster.local\n"
                      "        port: {number: 50051}\n";
  Run r = check_with(files, OutputFormat::Json);
  CHECK(r.code == grpcmesh::kExitFindings);
  auto j = nlohmann::json::parse(r.out);
  std::vector<std::string> found;
  for (const auto& f : j["findings"]) {
    if (f["resource"]["name"] == "api") {
      found.push_back(f["code"].get<std::string>() + " " + f["message"].get<std::string>());
    }
  }
  INFO(r.out);
  REQUIRE(found.size() == 2);
  CHECK(found[0] == "GM0008 Referenced gateway not found: \"edge/api-gateway\"");
  CHECK(found[1].starts_with("GM0009 "));
  CHECK(found[1].find("api.backend.svc.cluster.local") != std::string::npos);
}

TEST_CASE("namespaces: a namespace-scoped live check keeps the files' cluster-scoped objects") {
  TempFile file(std::string(kClusterScoped) +
                "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: other}\n");
  Options options;
  options.live = true;
  options.namespace_name = "default";
  options.output = OutputFormat::Json;
  options.now = check_test::fixture_now();
  options.files = {(check_test::fixture_root() / "ok-https").string(), file.path.string()};
  std::istringstream in;
  std::ostringstream out, err;
  grpcmesh::Streams streams{in, out, err};
  // The cluster holds nothing: the files are laid over an empty snapshot.
  run_check(options, [](Snapshot&, const Options&) {}, streams);
  auto j = nlohmann::json::parse(out.str());
  std::vector<std::string> ignored;
  for (const auto& f : j["findings"]) {
    if (f["code"] == "GM0001") {
      ignored.push_back(f["resource"]["kind"].get<std::string>() + " " + f["resource"]["name"].get<std::string>());
    }
  }
  // the ConfigMap of namespace "other" is outside -n default; the others are in no namespace
  CHECK(ignored == std::vector<std::string>{"ClusterRole grpc-reader", "IngressClass istio"});
}
