// The Krew manifest and the release archive: Krew's own validation rules
// (kubernetes-sigs/krew pkg/index/validation), plus what installing needs:
// the archive unpacks with every file the manifest names, the sha256 and
// uri match it, and the version agrees with the binary and the CHANGELOG.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "core/util/error.hpp"
#include "core/util/yaml.hpp"
#include "harness.hpp"

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

std::string slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string str(const json& j, const std::string& key) {
  return j.is_object() && j.contains(key) && j[key].is_string() ? j[key].get<std::string>() : std::string();
}

// Krew's ValidatePlugin and validatePlatform. Returns the first problem, or "".
std::string krew_problem(const json& p, const std::string& file_name) {
  static const std::regex safe_name(R"(^[\w-]+$)");
  static const std::regex sha256(R"(^[a-f0-9]{64}$)");
  static const std::regex semver(R"(^v(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$)");
  const std::set<std::string> windows_forbidden{"con",  "prn",  "aux",  "nul",  "com1", "com2", "com3", "com4",
                                                "com5", "com6", "com7", "com8", "com9", "lpt1", "lpt2", "lpt3",
                                                "lpt4", "lpt5", "lpt6", "lpt7", "lpt8", "lpt9"};
  if (str(p, "apiVersion") != "krew.googlecontainertools.github.com/v1alpha2") {
    return "unsupported apiVersion";
  }
  if (str(p, "kind") != "Plugin") {
    return "kind must be Plugin";
  }
  const std::string expected = fs::path(file_name).stem().string();
  std::string lower = expected;
  for (char& c : lower) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  if (!std::regex_match(expected, safe_name) || windows_forbidden.count(lower)) {
    return "plugin name not allowed";
  }
  if (!p.contains("metadata") || str(p["metadata"], "name") != expected) {
    return "metadata.name must equal the file name";
  }
  const json spec = p.value("spec", json::object());
  if (str(spec, "shortDescription").empty()) {
    return "no shortDescription";
  }
  if (!spec.contains("platforms") || !spec["platforms"].is_array() || spec["platforms"].empty()) {
    return "no platforms";
  }
  if (!std::regex_match(str(spec, "version"), semver)) {
    return "version is not semver with a leading v";
  }
  for (const json& pl : spec["platforms"]) {
    if (str(pl, "uri").empty()) {
      return "uri has to be set";
    }
    if (!std::regex_match(str(pl, "sha256"), sha256)) {
      return "sha256 must be 64 lowercase hex digits";
    }
    if (str(pl, "bin").empty()) {
      return "bin has to be set";
    }
    if (!pl.contains("files") || !pl["files"].is_array() || pl["files"].empty()) {
      return "no files";
    }
    if (!pl.contains("selector") || !pl["selector"].is_object()) {
      return "nil selector";
    }
    const json& sel = pl["selector"];
    const bool labels = sel.contains("matchLabels");
    const bool exprs = sel.contains("matchExpressions");
    if (!labels && !exprs) {
      return "empty selector";
    }
    if (labels && (!sel["matchLabels"].is_object() || sel["matchLabels"].empty())) {
      return "matchLabels specified but empty";
    }
    if (exprs && (!sel["matchExpressions"].is_array() || sel["matchExpressions"].empty())) {
      return "matchExpressions specified but empty";
    }
    std::vector<std::string> keys;
    if (labels) {
      for (const auto& [k, v] : sel["matchLabels"].items()) {
        keys.push_back(k);
      }
    }
    if (exprs) {
      for (const json& e : sel["matchExpressions"]) {
        keys.push_back(str(e, "key"));
      }
    }
    for (const auto& k : keys) {
      if (k != "os" && k != "arch") {
        return "selector key " + k + " not supported";
      }
    }
  }
  return "";
}

json manifest() { return grpcmesh::yaml::parse(slurp(fs::path(GRPCMESH_DIST_DIR) / "grpcmesh.yaml")); }

}  // namespace

TEST_CASE("krew: the released manifest passes Krew's validation") {
  const json m = manifest();
  CHECK(krew_problem(m, "grpcmesh.yaml") == "");
  const json spec = m["spec"];
  CHECK_FALSE(str(spec, "description").empty());
  // Caveats tell how to enable completion through kubectl.
  CHECK(str(spec, "caveats").find("kubectl_complete-grpcmesh") != std::string::npos);
  REQUIRE(spec["platforms"].size() == 1);
  CHECK(spec["platforms"][0]["selector"]["matchLabels"] == json{{"os", "linux"}, {"arch", "amd64"}});
}

TEST_CASE("krew: the validator rejects what Krew rejects") {
  const json good = manifest();
  auto broken = [&](const std::string& pointer, const json& value) {
    json m = good;
    m[json::json_pointer(pointer)] = value;
    return krew_problem(m, "grpcmesh.yaml");
  };
  CHECK(broken("/apiVersion", "krew.googlecontainertools.github.com/v1alpha1") != "");
  CHECK(broken("/kind", "Plugins") != "");
  CHECK(broken("/metadata/name", "grpc-mesh") != "");
  CHECK(broken("/spec/version", "0.1.0") != "");
  CHECK(broken("/spec/version", "v0.1") != "");
  CHECK(broken("/spec/shortDescription", "") != "");
  CHECK(broken("/spec/platforms/0/sha256", std::string(64, 'A')) != "");
  CHECK(broken("/spec/platforms/0/sha256", std::string(63, 'a')) != "");
  CHECK(broken("/spec/platforms/0/uri", "") != "");
  CHECK(broken("/spec/platforms/0/bin", "") != "");
  CHECK(broken("/spec/platforms/0/files", json::array()) != "");
  CHECK(broken("/spec/platforms/0/selector/matchLabels", json::object()) != "");
  CHECK(broken("/spec/platforms/0/selector/matchLabels/distro", "debian") != "");
  CHECK(broken("/spec/platforms", json::array()) != "");
  CHECK(krew_problem(good, "other.yaml") != "");
  CHECK(krew_problem(good, "CON.yaml") != "");
}

TEST_CASE("krew: the archive holds every file the manifest names, and matches its uri and sha256") {
  const json pl = manifest()["spec"]["platforms"][0];
  const fs::path archive(GRPCMESH_ARCHIVE);
  REQUIRE(fs::exists(archive));
  CHECK(str(pl, "uri").ends_with("/" + archive.filename().string()));
  auto sum = e2e::run({"sha256sum", archive.string()});
  REQUIRE(sum.ok());
  CHECK(sum.out.substr(0, 64) == str(pl, "sha256"));

  // Unpack as Krew would (regular files only: Krew refuses links), then
  // apply the file operations.
  auto list = e2e::run({"tar", "-tvzf", archive.string()});
  REQUIRE(list.ok());
  std::istringstream lines(list.out);
  std::string line;
  while (std::getline(lines, line)) {
    CAPTURE(line);
    CHECK(line.front() == '-');
  }
  e2e::TempDir dir("grpcmesh-release");
  REQUIRE(e2e::run({"tar", "-xzf", archive.string(), "-C", dir.path().string()}).ok());
  std::set<std::string> from;
  for (const json& f : pl["files"]) {
    from.insert(str(f, "from"));
    CHECK(str(f, "to") == ".");
    CHECK_MESSAGE(fs::exists(dir.path() / str(f, "from")), str(f, "from"));
  }
  for (const auto& entry : fs::directory_iterator(dir.path())) {
    CHECK_MESSAGE(from.count(entry.path().filename().string()) == 1,
                  (entry.path().filename().string() + " is in the archive but not installed"));
  }
  CHECK(from.count("LICENSE") == 1);
  CHECK(from.count("README.md") == 1);
  CHECK(from.count("kubectl_complete-grpcmesh") == 1);
  CHECK(from.count(str(pl, "bin")) == 1);
  CHECK(slurp(dir.path() / "LICENSE").find("Apache License\n                           Version 2.0") !=
        std::string::npos);

  // The binary runs and reports the manifest's version.
  auto version = e2e::run({(dir.path() / str(pl, "bin")).string(), "version", "-o", "json"});
  REQUIRE_MESSAGE(version.ok(), version.describe());
  CHECK(nlohmann::json::parse(version.out)["version"] == manifest()["spec"]["version"]);

  // The completion entry kubectl runs answers from the archive alone.
  auto complete = e2e::run({(dir.path() / "kubectl_complete-grpcmesh").string(), "vers"});
  REQUIRE_MESSAGE(complete.ok(), complete.describe());
  CHECK(complete.out == "version\tPrint the version, git commit, build date and compiler\n:4\n");
}

TEST_CASE("release: the CHANGELOG's latest release is the version the binary reports") {
  const std::string changelog = slurp(fs::path(GRPCMESH_SOURCE_DIR) / "CHANGELOG.md");
  std::smatch m;
  REQUIRE(std::regex_search(changelog, m, std::regex(R"(\n## \[(\d+\.\d+\.\d+)\] - \d{4}-\d{2}-\d{2}\n)")));
  CHECK("v" + m[1].str() == str(manifest()["spec"], "version"));
}
