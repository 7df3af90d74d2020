// The completion scripts: committed copies match what the binary prints, and
// the bash script completes in a real non-interactive bash (sourced, driven
// through COMP_WORDS/COMP_CWORD, answered through COMPREPLY).
#include <doctest/doctest.h>

#include "cli_util.hpp"

using namespace cli_test;

namespace {

// Sources the bash script, sets COMP_WORDS/COMP_CWORD as bash would for
// `words` (the last one being completed), calls the completion function and
// returns COMPREPLY, one entry per line.
std::string bash_complete(const std::vector<std::string>& words, const std::map<std::string, std::string>& env = {}) {
  const fs::path bin_dir = e2e::plugin_path().parent_path();
  std::string script =
      "set -u\n"
      "source <(kubectl-grpcmesh completion bash)\n"
      "COMP_WORDS=(\"$@\")\n"
      "COMP_CWORD=$(($# - 1))\n"
      "__kubectl_grpcmesh_complete\n"
      "printf '%s\\n' \"${COMPREPLY[@]}\"\n";
  e2e::RunOptions options;
  options.clear_env = true;
  options.env = {{"PATH", bin_dir.string() + ":/usr/bin:/bin"}, {"HOME", "/nonexistent"}};
  for (const auto& [k, v] : env) {
    options.env[k] = v;
  }
  std::vector<std::string> argv{"bash", "--norc", "--noprofile", "-c", script, "bash"};
  argv.insert(argv.end(), words.begin(), words.end());
  auto r = e2e::run(argv, options);
  REQUIRE_MESSAGE(r.ok(), r.describe());
  return r.out == "\n" ? std::string() : r.out;
}

}  // namespace

TEST_CASE("completion: the committed scripts are what the binary prints") {
  const std::vector<std::pair<std::string, std::string>> files{
      {"bash", "kubectl-grpcmesh.bash"}, {"zsh", "_kubectl-grpcmesh"}, {"fish", "kubectl-grpcmesh.fish"}};
  for (const auto& [shell, file] : files) {
    auto r = plugin({"completion", shell});
    REQUIRE_MESSAGE(r.ok(), r.describe());
    CAPTURE(file);
    CHECK_MESSAGE(r.out == slurp(source_dir() / "completions" / file), "run: ninja -C build docs");
  }
  auto bad = plugin({"completion", "powershell"});
  CHECK(bad.exit_code == 2);
}

TEST_CASE("completion: bash completes commands, flags and flag values") {
  CHECK(bash_complete({"kubectl-grpcmesh", "vers"}) == "version\n");
  CHECK(bash_complete({"kubectl-grpcmesh", "completion", ""}) == "bash\nzsh\nfish\n");
  CHECK(bash_complete({"kubectl-grpcmesh", "version", "-o", ""}) == "json\nyaml\n");
  CHECK(bash_complete({"kubectl-grpcmesh", "version", "--out"}) == "--output\n");
  CHECK(bash_complete({"kubectl-grpcmesh", "--colo"}) == "--color\n");
}

TEST_CASE("completion: bash completes --flag=value split at the = word break") {
  // Bash splits "--color=al" into "--color" "=" "al"; the reply replaces "al".
  CHECK(bash_complete({"kubectl-grpcmesh", "--color", "=", "al"}) == "always\n");
  CHECK(bash_complete({"kubectl-grpcmesh", "version", "--output", "=", "j"}) == "json\n");
}

TEST_CASE("completion: bash completes contexts from the kubeconfig") {
  e2e::TempDir dir("grpcmesh-cli");
  const auto kubeconfig = dir.write("config",
                                    "apiVersion: v1\nkind: Config\n"
                                    "contexts:\n"
                                    "- name: kind-dev\n  context: {cluster: kind-dev, user: dev}\n"
                                    "- name: prod\n  context: {cluster: prod, user: admin, namespace: shop}\n"
                                    "clusters: []\nusers: []\n");
  CHECK(bash_complete({"kubectl-grpcmesh", "--context", ""}, {{"KUBECONFIG", kubeconfig.string()}}) ==
        "kind-dev\nprod\n");
  CHECK(bash_complete({"kubectl-grpcmesh", "version", "--kubeconfig", kubeconfig.string(), "--context", "p"}) ==
        "prod\n");
  // With descriptions, as kubectl and zsh/fish ask for them.
  auto r = plugin({"__complete", "--context", ""}, true, {{"KUBECONFIG", kubeconfig.string()}});
  CHECK(r.out == "kind-dev\tcluster kind-dev\nprod\tcluster prod, namespace shop\n:4\n");
}

TEST_CASE("completion: started as kubectl_complete-grpcmesh it answers kubectl's plugin protocol") {
  // kubectl runs kubectl_complete-<plugin> with the plugin's arguments and
  // the word being completed, and reads the last line as cobra's directive.
  e2e::TempDir dir("grpcmesh-cli");
  const fs::path link = dir.path() / "kubectl_complete-grpcmesh";
  fs::create_symlink(e2e::plugin_path(), link);
  auto r = e2e::run({link.string(), "vers"});
  REQUIRE_MESSAGE(r.ok(), r.describe());
  CHECK(r.out == "version\tPrint the version, git commit, build date and compiler\n:4\n");
  CHECK(r.err.empty());
}

TEST_CASE("completion: zsh and fish scripts parse") {
  for (const auto& [shell, check] : std::vector<std::pair<std::string, std::vector<std::string>>>{
           {"zsh", {"zsh", "-n"}}, {"fish", {"fish", "--no-execute"}}}) {
    if (!e2e::run({"sh", "-c", "command -v " + shell}).ok()) {
      MESSAGE((shell + " is not installed; its script is only compared with the committed copy"));
      continue;
    }
    e2e::TempDir dir("grpcmesh-cli");
    auto script = dir.write("script", plugin({"completion", shell}).out);
    auto argv = check;
    argv.push_back(script.string());
    auto r = e2e::run(argv);
    CHECK_MESSAGE(r.ok(), r.describe());
  }
}

TEST_CASE("completion: fish completes through the script with descriptions") {
  if (!e2e::run({"sh", "-c", "command -v fish"}).ok()) {
    MESSAGE("fish is not installed (scripts/install-deps.sh installs it)");
    return;
  }
  e2e::TempDir dir("grpcmesh-cli");
  auto script = dir.write("kubectl-grpcmesh.fish", plugin({"completion", "fish"}).out);
  e2e::RunOptions options;
  options.clear_env = true;
  options.env = {{"PATH", e2e::plugin_path().parent_path().string() + ":/usr/bin:/bin"}, {"HOME", dir.path().string()}};
  auto r = e2e::run({"fish", "--no-config", "-c",
                     "source " + script.string() +
                         "; complete -C 'kubectl-grpcmesh vers'; complete -C 'kubectl-grpcmesh version -o '"},
                    options);
  REQUIRE_MESSAGE(r.ok(), r.describe());
  CHECK(r.out == "version\tPrint the version, git commit, build date and compiler\njson\nyaml\n");
}
