#include "core/cli/kube_values.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

using namespace grpcmesh::cli;

namespace {

struct TempKubeconfigs {
  std::filesystem::path dir;
  TempKubeconfigs() {
    char tmpl[] = "/tmp/grpcmesh-kv-XXXXXX";
    dir = mkdtemp(tmpl);
  }
  ~TempKubeconfigs() { std::filesystem::remove_all(dir); }
  std::string write(const std::string& name, const std::string& text) const {
    std::ofstream(dir / name) << text;
    return (dir / name).string();
  }
};

grpcmesh::kube::Environment env(const std::string& kubeconfig, const std::string& home) {
  grpcmesh::kube::Environment e;
  if (!kubeconfig.empty()) {
    e.vars["KUBECONFIG"] = kubeconfig;
  }
  e.vars["HOME"] = home;
  return e;
}

std::vector<std::string> names(const std::vector<Candidate>& c) {
  std::vector<std::string> out;
  for (const auto& x : c) {
    out.push_back(x.value);
  }
  return out;
}

}  // namespace

TEST_CASE("kube values: contexts, clusters and users from every KUBECONFIG file, first one wins") {
  TempKubeconfigs t;
  const auto a = t.write("a", "contexts:\n- name: dev\n  context: {cluster: c1}\nclusters:\n- name: c1\nusers:\n- name: u1\n");
  const auto b = t.write("b", "contexts:\n- name: dev\n  context: {cluster: other}\n- name: prod\n  context: {cluster: c2}\n");
  KubeValueSource source(env(a + ":" + b + ":" + (t.dir / "missing").string(), "/nonexistent"));
  ParsedLine line;
  const auto contexts = source.values(ValueKind::Context, line);
  CHECK(names(contexts) == std::vector<std::string>{"dev", "prod"});
  CHECK(contexts[0].description == "cluster c1");
  CHECK(names(source.values(ValueKind::Cluster, line)) == std::vector<std::string>{"c1"});
  CHECK(names(source.values(ValueKind::User, line)) == std::vector<std::string>{"u1"});
}

TEST_CASE("kube values: --kubeconfig on the line overrides KUBECONFIG, and HOME is the fallback") {
  TempKubeconfigs t;
  const auto a = t.write("a", "contexts:\n- name: from-env\n");
  const auto b = t.write("b", "contexts:\n- name: from-flag\n");
  std::filesystem::create_directories(t.dir / "home/.kube");
  t.write("home/.kube/config", "contexts:\n- name: from-home\n");
  ParsedLine line;
  line.flags["kubeconfig"] = {b};
  CHECK(names(KubeValueSource(env(a, "/nonexistent")).values(ValueKind::Context, line)) ==
        std::vector<std::string>{"from-flag"});
  CHECK(names(KubeValueSource(env("", (t.dir / "home").string())).values(ValueKind::Context, ParsedLine{})) ==
        std::vector<std::string>{"from-home"});
}

TEST_CASE("kube values: the typed connection flags become connection options with a short timeout") {
  ParsedLine line;
  line.flags["context"] = {"prod"};
  line.flags["namespace"] = {"a", "shop"};
  const auto o = KubeValueSource::options_from(line);
  CHECK(o.context == "prod");
  CHECK(o.namespace_name == "shop");
  CHECK(o.request_timeout == "5s");
}
