// The completion scripts: committed copies match what the binary prints, and
// each completes in its real shell: bash (sourced, driven through
// COMP_WORDS/COMP_CWORD, answered through COMPREPLY), zsh (sourced, driven
// through words/CURRENT, answered through shims of compadd and _describe)
// and fish (complete -C).
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
  for (const auto& shell_and_file : files) {
    const std::string& shell = shell_and_file.first;  // not a structured binding: CAPTURE's lambda takes it (clang 14)
    const std::string& file = shell_and_file.second;
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

  auto ex = e2e::run({"fish", "--no-config", "-c", "source " + script.string() + "; complete -C 'kubectl-grpcmesh ex'"},
                     options);
  REQUIRE_MESSAGE(ex.ok(), ex.describe());
  CHECK(ex.out == "expose\tRoute a host's gRPC services to a Service through the gateway\n");

  auto flags = e2e::run(
      {"fish", "--no-config", "-c", "source " + script.string() + "; complete -C 'kubectl-grpcmesh expose --'"}, options);
  REQUIRE_MESSAGE(flags.ok(), flags.describe());
  std::stringstream lines(flags.out);
  std::string line;
  std::set<std::string> seen;
  while (std::getline(lines, line)) {
    CHECK_MESSAGE(line.rfind("--", 0) == 0, line);
    seen.insert(line);
  }
  CHECK(seen.count("--host\tThe host name clients use") == 1);
  CHECK(seen.count("--remove\tRemove this Service's routes and port setting") == 1);
  CHECK(seen.count("--port-naming\tHow to make the port HTTP/2: appProtocol (set appProtocol: grpc) or name "
                   "(rename to grpc-*)") == 1);
}

namespace {

// Sources the zsh script in a non-interactive `zsh -f`, with compdef,
// compadd, _describe, _files and _path_files replaced by shims that print
// what they were given, sets `words`/CURRENT as the completion system would
// for `words` (the last one being completed) and calls the completion
// function. Returns the shims' lines: one "value:description" per candidate
// that reached _describe, "compdef ARGS", "_describe ARGS", "_files ARGS".
std::vector<std::string> zsh_complete(const std::vector<std::string>& words) {
  e2e::TempDir dir("grpcmesh-cli");
  const auto script = dir.write("_kubectl-grpcmesh", plugin({"completion", "zsh"}).out);
  const std::string driver =
      "compdef() { print -r -- \"compdef $*\" }\n"
      "compadd() { print -r -- \"compadd $*\" }\n"
      "_files() { print -r -- \"_files $*\" }\n"
      "_path_files() { print -r -- \"_path_files $*\" }\n"
      "_describe() {\n"
      "  print -r -- \"_describe $*\"\n"
      "  while [[ $1 == -* ]]; do shift; done\n"
      "  local name=$2 item\n"
      "  for item in \"${(@P)name}\"; do print -r -- \"$item\"; done\n"
      "}\n"
      "source \"$1\"\n"
      "shift\n"
      "words=(\"$@\")\n"
      "CURRENT=${#words}\n"
      "_kubectl_grpcmesh\n";
  e2e::RunOptions options;
  options.clear_env = true;
  options.env = {{"PATH", e2e::plugin_path().parent_path().string() + ":/usr/bin:/bin"}, {"HOME", dir.path().string()}};
  std::vector<std::string> argv{"zsh", "-f", "-c", driver, "zsh", script.string()};
  argv.insert(argv.end(), words.begin(), words.end());
  auto r = e2e::run(argv, options);
  REQUIRE_MESSAGE(r.ok(), r.describe());
  CHECK_MESSAGE(r.err.empty(), r.describe());
  std::vector<std::string> lines;
  std::stringstream ss(r.out);
  std::string line;
  while (std::getline(ss, line)) {
    lines.push_back(line);
  }
  return lines;
}

bool has_line(const std::vector<std::string>& lines, const std::string& line) {
  return std::find(lines.begin(), lines.end(), line) != lines.end();
}

}  // namespace

TEST_CASE("completion: zsh completes commands and flags through the sourced script") {
  if (!e2e::run({"sh", "-c", "command -v zsh"}).ok()) {
    FAIL("zsh is not installed (scripts/install-deps.sh installs it)");
  }
  // Sourcing registers the function for the command.
  const auto registered = zsh_complete({"kubectl-grpcmesh", ""});
  REQUIRE_FALSE(registered.empty());
  CHECK(registered.front() == "compdef _kubectl_grpcmesh kubectl-grpcmesh");

  const auto commands = zsh_complete({"kubectl-grpcmesh", "ex"});
  CHECK(commands == std::vector<std::string>{
                        "compdef _kubectl_grpcmesh kubectl-grpcmesh", "_describe -V values cands",
                        "expose:Route a host's gRPC services to a Service through the gateway"});

  const auto flags = zsh_complete({"kubectl-grpcmesh", "expose", "--"});
  REQUIRE(flags.size() > 3);
  CHECK(flags[1] == "_describe -V values cands");
  for (size_t i = 2; i < flags.size(); ++i) {
    CHECK_MESSAGE(flags[i].rfind("--", 0) == 0, flags[i]);
  }
  CHECK(has_line(flags, "--host:The host name clients use"));
  CHECK(has_line(flags, "--grpc-service:Fully qualified gRPC service to route (repeatable); none routes everything"));
  CHECK(has_line(flags, "--remove:Remove this Service's routes and port setting"));
  CHECK_FALSE(has_line(flags, "--allow-origin"));  // web's, not expose's

  // A flag's values.
  const auto naming = zsh_complete({"kubectl-grpcmesh", "expose", "--port-naming", ""});
  CHECK(has_line(naming, "appProtocol"));
  CHECK(has_line(naming, "name"));
}

TEST_CASE("completion: expose's retry flags: --protoset completes file names, --retry-on offers none") {
  auto protoset = plugin({"__complete", "expose", "svc", "--protoset", ""}, true);
  CHECK_MESSAGE(protoset.out == ":0\n", protoset.describe());  // the shell falls back to file names
  auto retry_on = plugin({"__complete", "expose", "svc", "--retry-on", ""}, true);
  CHECK_MESSAGE(retry_on.out == ":4\n", retry_on.describe());
}
