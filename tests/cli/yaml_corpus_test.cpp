// The YAML reader against the real kubectl: every file of
// tests/testdata/yaml-corpus (written by scripts/gen-yaml-corpus.py) is read
// by core/util/yaml and by `kubectl label --local -o json` (the kubectl the
// test peers build; no cluster is contacted). Both must give the same
// objects, or both must fail.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "cli_util.hpp"
#include "core/util/error.hpp"
#include "core/util/yaml.hpp"

namespace {

using nlohmann::json;

// KUBECTL from the peers env file scripts/build-peers.sh writes.
std::string kubectl_path() {
  const char* env = std::getenv("GRPCMESH_PEERS_ENV");
  std::ifstream in(env != nullptr ? std::string(env) : std::string(GRPCMESH_PEERS_ENV_DEFAULT));
  std::string line;
  while (std::getline(in, line)) {
    if (line.starts_with("KUBECTL=")) {
      return line.substr(8);
    }
  }
  return "";
}

constexpr const char* kLabel = "grpcmesh-corpus";

// The objects kubectl printed (one JSON value each), without our label.
std::vector<json> objects_of(const std::string& out) {
  std::vector<json> objects;
  std::istringstream in(out);
  while (in >> std::ws, in.peek() != std::char_traits<char>::eof()) {
    json v;
    in >> v;
    json& labels = v["metadata"]["labels"];
    labels.erase(kLabel);
    if (labels.empty()) {
      v["metadata"].erase("labels");
    }
    objects.push_back(std::move(v));
  }
  return objects;
}

}  // namespace

TEST_CASE("yaml corpus: our YAML reader and kubectl's give the same objects, or both fail") {
  const std::string kubectl = kubectl_path();
  REQUIRE_MESSAGE(!kubectl.empty(), "no KUBECTL in the peers env file; run scripts/build-peers.sh");
  e2e::TempDir dir("grpcmesh-corpus");
  const std::string kubeconfig = (dir.path() / "kubeconfig").string();
  // Never contacted: `label --local` reads and prints only.
  cli_test::spit(kubeconfig,
                 "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster: {server: \"https://127.0.0.1:9\"}\n"
                 "contexts:\n- name: c\n  context: {cluster: c, user: u}\ncurrent-context: c\nusers:\n- name: u\n"
                 "  user: {token: t}\n");
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(cli_test::source_dir() / "tests/testdata/yaml-corpus")) {
    files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  CHECK(files.size() >= 400);
  e2e::RunOptions options;
  options.clear_env = true;
  options.env = {{"KUBECONFIG", kubeconfig}, {"HOME", dir.path().string()}, {"PATH", "/usr/bin:/bin"}};
  int same = 0;
  int both_fail = 0;
  for (const auto& file : files) {
    CAPTURE(file.filename().string());
    auto kube = e2e::run({kubectl, "label", "--local", "-o", "json", "-f", file.string(), std::string(kLabel) + "=x"},
                         options);
    REQUIRE_FALSE(kube.timed_out);
    std::vector<json> ours;
    std::string our_error;
    try {
      for (auto& doc : grpcmesh::yaml::parse_all(cli_test::slurp(file), file.string())) {
        ours.push_back(std::move(doc.value));
      }
    } catch (const grpcmesh::Error& e) {
      our_error = e.what();
    }
    CAPTURE(our_error);
    CAPTURE(kube.err);
    if (kube.exit_code != 0) {
      CHECK(!our_error.empty());
      both_fail += our_error.empty() ? 0 : 1;
      continue;
    }
    REQUIRE(our_error.empty());
    std::vector<json> theirs = objects_of(kube.out);
    CHECK(ours == theirs);
    same += ours == theirs ? 1 : 0;
  }
  MESSAGE(same << " files read alike and " << both_fail << " refused by both, of " << files.size());
  CHECK(same + both_fail == static_cast<int>(files.size()));
}
