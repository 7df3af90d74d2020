#include "core/check/file_loader.hpp"

#include "core/check/certificate.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/util/error.hpp"

using namespace grpcmesh::check;
namespace fs = std::filesystem;

namespace {

struct TempTree {
  fs::path root;
  TempTree() {
    root = fs::temp_directory_path() / ("grpcmesh-check-" + std::to_string(::getpid()) + "-" +
                                        std::to_string(reinterpret_cast<uintptr_t>(this)));
    fs::create_directories(root);
  }
  ~TempTree() { fs::remove_all(root); }
  fs::path write(const std::string& name, const std::string& text) const {
    fs::path p = root / name;
    fs::create_directories(p.parent_path());
    std::ofstream(p) << text;
    return p;
  }
};

constexpr const char* kService = "apiVersion: v1\nkind: Service\nmetadata:\n  name: greeter\nspec:\n  ports:\n  - port: 50051\n";

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const grpcmesh::Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("file loader: directories recurse, multi-document YAML, JSON and List kinds") {
  TempTree t;
  t.write("a/svc.yaml", std::string(kService) + "---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  namespace: x\n");
  t.write("a/b/list.json",
          R"({"apiVersion":"v1","kind":"List","items":[{"apiVersion":"networking.istio.io/v1","kind":"Gateway","metadata":{"name":"gw"}}]})");
  t.write("a/README.md", "not a manifest");
  Snapshot s;
  std::istringstream in;
  CHECK(load_files(s, {t.root.string()}, in, "apps") == 3);
  INFO("ignored: ", s.ignored().size(), " rejected: ", s.rejected(Kind::Gateway).size());
  REQUIRE(s.find(Kind::Service, "apps", "greeter") != nullptr);
  CHECK(s.find(Kind::Service, "apps", "greeter")->origin.str() == (t.root / "a/svc.yaml").string() + ":1");
  CHECK(s.find(Kind::Pod, "x", "p") != nullptr);
  CHECK(s.find(Kind::Gateway, "apps", "gw") != nullptr);
  CHECK(s.readable(Kind::Gateway));
  CHECK_FALSE(s.readable(Kind::Secret));
}

TEST_CASE("file loader: stdin is read for -") {
  Snapshot s;
  std::istringstream in(kService);
  CHECK(load_files(s, {"-"}, in, "default") == 1);
  CHECK(s.find(Kind::Service, "default", "greeter")->origin.str() == "<stdin>:1");
}

TEST_CASE("file loader: unknown kinds and other API groups are kept as ignored, wrong groups as rejected") {
  Snapshot s;
  std::istringstream in(
      "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n---\n"
      "apiVersion: networking.io/v1\nkind: VirtualService\nmetadata: {name: vs}\n");
  load_files(s, {"-"}, in, "default");
  REQUIRE(s.ignored().size() == 1);
  CHECK(s.ignored()[0].kind == "ConfigMap");
  CHECK(s.list(Kind::VirtualService).empty());
  REQUIRE(s.rejected(Kind::VirtualService).size() == 1);
  CHECK(s.rejected(Kind::VirtualService)[0].api_version == "networking.io/v1");
}

TEST_CASE("file loader: files overlay objects already in the snapshot") {
  Snapshot s;
  s.add({Kind::Service, "v1", "default", "greeter", nlohmann::json{{"spec", {{"ports", nlohmann::json::array()}}}}, {}});
  std::istringstream in(kService);
  load_files(s, {"-"}, in, "default");
  REQUIRE(s.list(Kind::Service).size() == 1);
  CHECK(s.list(Kind::Service)[0].origin.str() == "<stdin>:1");
}

TEST_CASE("file loader: bad input is one clear error naming the file and line") {
  TempTree t;
  fs::path bad = t.write("bad.yaml", std::string(kService) + "---\nkind: Service\nmetadata: [oops\n");
  std::istringstream in;
  Snapshot s;
  std::string e = error_of([&] { load_files(s, {bad.string()}, in, "default"); });
  CHECK(e.rfind(bad.string() + ":", 0) == 0);
  CHECK(e.find("invalid YAML") != std::string::npos);

  fs::path no_kind = t.write("nokind.yaml", "apiVersion: v1\nmetadata: {name: x}\n");
  e = error_of([&] { load_files(s, {no_kind.string()}, in, "default"); });
  CHECK(e == no_kind.string() + ":1: the object has no kind; every object needs apiVersion and kind");

  e = error_of([&] { load_files(s, {(t.root / "missing.yaml").string()}, in, "default"); });
  CHECK(e.find("does not exist") != std::string::npos);

  fs::path empty = t.write("empty/only-comments.yaml", "# nothing here\n---\n");
  e = error_of([&] { load_files(s, {(t.root / "empty").string()}, in, "default"); });
  CHECK(e.rfind("no Kubernetes objects found in ", 0) == 0);
}

TEST_CASE("file loader: many files read in parallel give the result of reading them in order") {
  // Files are decoded on several threads; objects, replacements and errors
  // must still follow the order of the files (name order in a directory).
  TempTree t;
  constexpr int kFiles = 40;
  auto service = [](int file, int i, int port) {
    return "apiVersion: v1\nkind: Service\nmetadata:\n  name: s" + std::to_string(i) + "\n  namespace: ns" +
           std::to_string(file % 3) + "\nspec:\n  ports:\n  - port: " + std::to_string(port) + "\n---\n";
  };
  for (int f = 0; f < kFiles; ++f) {
    std::string text;
    for (int i = 0; i < 50; ++i) {
      text += service(f, f * 50 + i, 1000 + f);
    }
    // Every file also redefines one shared Service: the last file's wins.
    text += "apiVersion: v1\nkind: Service\nmetadata: {name: shared, namespace: common}\nspec:\n  ports:\n  - port: " +
            std::to_string(2000 + f) + "\n";
    char name[32];
    std::snprintf(name, sizeof name, "f%02d.yaml", f);
    t.write(name, text);
  }
  Snapshot s;
  std::istringstream in;
  CHECK(load_files(s, {t.root.string()}, in, "default") == kFiles * 51);
  const Objects& services = s.list(Kind::Service);
  REQUIRE(services.size() == kFiles * 50 + 1);
  // In file order, the shared one where the first file put it.
  CHECK(services[0].name == "s0");
  CHECK(services[50].name == "shared");
  CHECK(services[51].name == "s50");
  CHECK(services.back().name == "s" + std::to_string(kFiles * 50 - 1));
  const Resource* shared = s.find(Kind::Service, "common", "shared");
  REQUIRE(shared != nullptr);
  CHECK(shared->spec()["ports"][0]["port"].integer() == 2000 + kFiles - 1);
  CHECK(shared->origin.str() == (t.root / "f39.yaml").string() + ":451");

  // Two broken files: the error is the first one's in file order.
  t.write("f05.yaml", "kind: Service\nmetadata: [oops\n");
  t.write("f30.yaml", "apiVersion: v1\nmetadata: {name: x}\n");
  Snapshot again;
  std::string e = error_of([&] { load_files(again, {t.root.string()}, in, "default"); });
  CHECK(e.rfind((t.root / "f05.yaml").string() + ":", 0) == 0);
}

TEST_CASE("file loader: a List whose kind follows its items (kubectl -o yaml) is read item by item") {
  Snapshot s;
  std::istringstream in(
      "apiVersion: v1\nitems:\n- apiVersion: v1\n  kind: Service\n  metadata: {name: a, namespace: x}\n"
      "- apiVersion: v1\n  kind: Pod\n  metadata: {name: p, namespace: x}\nkind: List\nmetadata: {}\n"
      "---\napiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\nitems:\n- kind: Service\n");
  CHECK(load_files(s, {"-"}, in, "default") == 3);
  REQUIRE(s.find(Kind::Service, "x", "a") != nullptr);
  CHECK(s.find(Kind::Service, "x", "a")->origin.str() == "<stdin>:3");  // the item's own line
  CHECK(s.find(Kind::Pod, "x", "p") != nullptr);
  REQUIRE(s.ignored().size() == 1);  // the Widget, whose items are not objects of the snapshot
  CHECK(s.ignored()[0].kind == "Widget");

  std::istringstream bad("apiVersion: v1\nitems:\n- metadata: {name: a}\nkind: List\n");
  CHECK_THROWS_WITH_AS(load_files(s, {"-"}, bad, "default"),
                       "<stdin>:3: the object has no kind; every object needs apiVersion and kind", grpcmesh::Error);
}

TEST_CASE("file loader: objects keep what analyzers read, a Secret its certificate summary instead of its data") {
  Snapshot s;
  std::istringstream in(
      "apiVersion: v1\nkind: Service\nmetadata:\n  name: greeter\n  labels: {app: greeter}\n"
      "  annotations: {kubectl.kubernetes.io/last-applied-configuration: '{}'}\n"
      "  managedFields: [{manager: kubectl}]\nspec: {ports: [{port: 50051}], selector: {app: greeter}, clusterIP: 10.0.0.1}\n"
      "status: {loadBalancer: {ingress: [{ip: 127.0.0.1}]}, conditions: []}\n"
      "---\napiVersion: v1\nkind: Secret\nmetadata: {name: cert}\ndata: {tls.crt: '!!!', tls.key: eA==}\n"
      "---\nkind: Pod\napiVersion: v1\nmetadata: {name: p, labels: {app: greeter}}\nspec: {containers: [{name: c}]}\n");
  load_files(s, {"-"}, in, "default");
  const Resource* svc = s.find(Kind::Service, "default", "greeter");
  REQUIRE(svc != nullptr);
  CHECK(svc->labels().is_null());  // (only Pods' and EndpointSlices' labels are read)
  CHECK(svc->spec()["ports"][0]["port"].get<int>() == 50051);
  CHECK(svc->spec()["selector"]["app"] == "greeter");
  CHECK(svc->spec()["clusterIP"].is_null());
  CHECK(svc->root()["status"]["loadBalancer"]["ingress"][0]["ip"] == "127.0.0.1");
  CHECK(svc->root()["status"]["conditions"].is_null());
  CHECK(svc->root()["metadata"]["annotations"].is_null());
  CHECK(svc->root()["metadata"]["managedFields"].is_null());
  const Resource* secret = s.find(Kind::Secret, "default", "cert");
  REQUIRE(secret != nullptr);
  CHECK(secret->root()["data"].is_null());
  REQUIRE(secret->credential != nullptr);
  CHECK(secret->credential->problem == "a data value is not valid base64");
  const Resource* pod = s.find(Kind::Pod, "default", "p");
  REQUIRE(pod != nullptr);
  CHECK(pod->labels()["app"] == "greeter");
  CHECK(pod->spec().is_null());
}
