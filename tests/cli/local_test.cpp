// --local -f of init, tls, expose, stream and web, run through the built
// binary on the repository tests/testdata/local/repo/ (no cluster: the
// kubeconfig names a server nothing listens on), compared with the files in
// tests/testdata/local/. The e2e test local_apply_test.cpp applies such output
// to a real API server and runs the live command on it.
//
// Rewrite them with
//   GRPCMESH_UPDATE_GOLDEN=1 build/tests/cli/grpcmesh_cli_tests -tc='local*'
// and review the diff.
#include <doctest/doctest.h>

#include "cli_util.hpp"

using namespace cli_test;

namespace {

const fs::path kDir = source_dir() / "tests/testdata/local";

std::string repo() { return (kDir / "repo").string(); }
std::string golden(const std::string& name) { return (kDir / name).string(); }
std::string tls_file(const std::string& name) { return (source_dir() / "tests/testdata/tls" / name).string(); }

struct Case {
  std::string golden;
  std::vector<std::string> args;  // without --local -f repo
  std::vector<std::string> extra_files = {};  // read after repo/, as committed output
  std::string output = "yaml";
};

const std::vector<Case>& cases() {
  static const std::vector<Case> all = {
      {"init-plaintext.yaml",
       {"init", "--host", "grpc.example.com", "--plaintext", "--gateway-namespace", "istio-system"}},
      {"init-new-host.yaml", {"init", "--host", "web.example.com", "--gateway-namespace", "istio-system"}},
      {"tls.yaml",
       {"tls", "--host", "grpc.example.com", "--gateway-namespace", "istio-system", "--cert",
        tls_file("grpc.example.com.crt"), "--key", tls_file("grpc.example.com.key")}},
      {"expose-merge.yaml",
       {"expose", "echo", "-n", "apps", "--host", "grpc.example.com", "--port", "9000", "--grpc-service",
        "echo.v1.Echo"}},
      {"expose-merge.json",
       {"expose", "echo", "-n", "apps", "--host", "grpc.example.com", "--port", "9000", "--grpc-service",
        "echo.v1.Echo"},
       {},
       "json"},
      {"expose-remove.yaml",
       {"expose", "greeter", "-n", "apps", "--host", "grpc.example.com", "--remove"},
       {"expose-merge.yaml"}},
      {"web.yaml",
       {"web", "--host", "grpc.example.com", "--allow-origin", "https://app.example.com", "--gateway-namespace",
        "istio-system"}},
      {"web-remove.yaml",
       {"web", "--host", "grpc.example.com", "--remove", "--gateway-namespace", "istio-system"},
       {"web.yaml"}},
      {"stream.yaml", {"stream", "--host", "grpc.example.com"}},
      {"stream-second-host.yaml",
       {"stream", "--host", "api.example.com", "--idle-timeout", "1h"},
       {"stream.yaml"}},
      {"stream-remove.yaml",
       {"stream", "--host", "grpc.example.com", "--remove"},
       {"stream.yaml", "stream-second-host.yaml"}},
      {"stream-gateway-idle.yaml", {"stream", "--host", "api.example.com", "--gateway-idle-timeout", "2h"}},
  };
  return all;
}

// A kubeconfig whose server refuses every connection: a command that tried
// to reach it would fail.
std::map<std::string, std::string> unreachable_cluster() {
  static const e2e::TempDir dir("grpcmesh-local");
  static const fs::path config = dir.write(
      "config",
      "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: https://127.0.0.1:1\n"
      "contexts:\n- name: c\n  context:\n    cluster: c\n    user: u\ncurrent-context: c\nusers:\n- name: u\n"
      "  user:\n    token: not-a-token\n");
  return {{"KUBECONFIG", config.string()}};
}

e2e::Result local(const Case& c) {
  std::vector<std::string> args = c.args;
  args.insert(args.end(), {"--local", "-f", repo()});
  for (const auto& f : c.extra_files) {
    args.insert(args.end(), {"-f", golden(f)});
  }
  args.insert(args.end(), {"-o", c.output});
  return plugin(args, true, unreachable_cluster());
}

e2e::Result local_args(std::vector<std::string> args) { return plugin(args, true, unreachable_cluster()); }

}  // namespace

TEST_CASE("local: init, tls, expose, stream and web print the complete changed objects of a repository") {
  std::set<std::string> expected;
  for (const auto& c : cases()) {
    CAPTURE(c.golden);
    expected.insert(c.golden);
    auto r = local(c);
    REQUIRE_MESSAGE(r.ok(), r.describe());
    CHECK_MESSAGE(r.err.find("error") == std::string::npos, r.describe());
    if (updating_goldens()) {
      spit(kDir / c.golden, r.out);
      continue;
    }
    REQUIRE_MESSAGE(fs::exists(kDir / c.golden), "no golden file; run with GRPCMESH_UPDATE_GOLDEN=1");
    CHECK_MESSAGE(r.out == slurp(kDir / c.golden),
                  "output changed; if intended, rerun with GRPCMESH_UPDATE_GOLDEN=1 and review the diff");
  }
  for (const auto& entry : fs::directory_iterator(kDir)) {
    const std::string name = entry.path().filename().string();
    if (entry.is_regular_file() && (name.ends_with(".yaml") || name.ends_with(".json"))) {
      CHECK_MESSAGE(expected.count(name) == 1, (name + " belongs to no case"));
    }
  }
}

TEST_CASE("local: the goldens hold what each case is about") {
  const auto has = [](const std::string& file, const std::string& text) {
    return slurp(kDir / file).find(text) != std::string::npos;
  };
  // init keeps the HTTPS server it made and adds h2c; a new host is a new Gateway.
  CHECK(has("init-plaintext.yaml", "protocol: HTTPS"));
  CHECK(has("init-plaintext.yaml", "protocol: HTTP2"));
  CHECK(has("init-new-host.yaml", "name: web-example-com"));
  // The certificate is never printed.
  CHECK(has("tls.yaml", "tls.key: REDACTED"));
  CHECK_FALSE(has("tls.yaml", "PRIVATE KEY"));
  // expose merges with the routes already there (its own and the Service's other ports stay).
  CHECK(has("expose-merge.yaml", "prefix: /echo.v1.Echo/"));
  CHECK(has("expose-merge.yaml", "prefix: /helloworld.Greeter/"));
  CHECK(has("expose-merge.yaml", "name: http-metrics"));
  CHECK(has("expose-merge.yaml", "team: b"));
  CHECK_FALSE(has("expose-merge.yaml", "admin.v1.Admin"));  // the other team's VirtualService is not ours to change
  CHECK(has("expose-remove.yaml", "prefix: /echo.v1.Echo/"));
  CHECK_FALSE(has("expose-remove.yaml", "helloworld.Greeter"));
  // web: CORS on every route the preflight reaches, the other team's too, and the filter.
  CHECK(has("web.yaml", "name: admin-routes"));
  CHECK(has("web.yaml", "name: envoy.filters.http.grpc_web"));
  CHECK(slurp(kDir / "web.yaml").find("corsPolicy") != slurp(kDir / "web.yaml").rfind("corsPolicy"));
  CHECK_FALSE(has("web-remove.yaml", "corsPolicy"));
  // stream: one record per host on the shared DestinationRule; --remove drops only its own.
  CHECK(has("stream.yaml", "name: greeter-grpc-stream"));
  CHECK(has("stream-second-host.yaml", R"("api.example.com":{"idleTimeout":"1h")"));
  CHECK(has("stream-second-host.yaml", R"("grpc.example.com":{"idleTimeout":"24h")"));
  CHECK(has("stream-remove.yaml", R"("api.example.com":{"idleTimeout":"1h")"));
  CHECK_FALSE(has("stream-remove.yaml", "grpc.example.com"));
  CHECK(has("stream-gateway-idle.yaml", R"(kubectl-grpcmesh/gateway-idle-timeouts: '{"api.example.com":"2h"}')"));
  CHECK(has("stream-gateway-idle.yaml", "image: docker.io/istio/proxyv2:1.24.2"));  // the whole Deployment
}

TEST_CASE("local: removals name the objects to delete from the files") {
  auto init = local_args({"init", "--host", "grpc.example.com", "--remove", "--gateway-namespace", "istio-system",
                          "--local", "-f", repo()});
  REQUIRE_MESSAGE(init.ok(), init.describe());
  CHECK(init.out.empty());
  CHECK_MESSAGE(init.err.find("gateway.networking.istio.io/grpc-example-com in istio-system (" + repo() +
                              "/mesh/grpc-example-com.yaml:2) is deleted: remove it from the files") !=
                    std::string::npos,
                init.describe());

  auto web = local(cases()[7]);  // web-remove: the filter goes once no host uses it
  REQUIRE_MESSAGE(web.ok(), web.describe());
  CHECK_MESSAGE(web.err.find("envoyfilter.networking.istio.io/grpc-web-ingressgateway in istio-system") !=
                    std::string::npos,
                web.describe());

  auto stream = local(cases()[10]);  // stream-remove: the rule only grpc.example.com used goes
  REQUIRE_MESSAGE(stream.ok(), stream.describe());
  CHECK_MESSAGE(stream.err.find("destinationrule.networking.istio.io/admin-grpc-stream in apps") != std::string::npos,
                stream.describe());

  auto nothing = local_args({"expose", "greeter", "-n", "apps", "--host", "grpc.example.com", "--port", "50051",
                             "--grpc-service", "helloworld.Greeter", "--local", "-f", repo()});
  REQUIRE_MESSAGE(nothing.ok(), nothing.describe());
  CHECK(nothing.out.empty());
  CHECK_MESSAGE(nothing.err.find("No object changes") != std::string::npos, nothing.describe());
}

TEST_CASE("local: a fact the files do not hold is named with the flag that supplies it") {
  auto init = local_args({"init", "--host", "grpc.example.com", "--local", "-f", repo()});
  CHECK(init.exit_code == 2);
  CHECK_MESSAGE(init.err.rfind("error: the gateway pods' namespace is unknown: the files hold no Pods matching "
                               "istio=ingressgateway; pass --gateway-namespace (e.g. istio-system)\n",
                               0) == 0,
                init.describe());
  CHECK(init.out.empty());

  auto web = local_args({"web", "--host", "grpc.example.com", "--allow-origin", "https://app.example.com", "--local",
                         "-f", repo()});
  CHECK(web.exit_code == 2);
  CHECK_MESSAGE(web.err.find("pass --gateway-namespace") != std::string::npos, web.describe());

  auto expose = local_args({"expose", "missing", "-n", "apps", "--host", "grpc.example.com", "--local", "-f", repo()});
  CHECK(expose.exit_code == 1);
  CHECK_MESSAGE(expose.err == "error: Service apps/missing not found in the files; check the name and the namespace "
                              "(-n apps), or add the Service's manifest with -f\n",
                expose.describe());

  // Taking back settings from an object shared with other owners needs field
  // ownership, which manifests do not record.
  auto shared = local_args({"stream", "--host", "api.example.com", "--remove", "--local", "-f", repo(), "-f",
                            golden("stream-gateway-idle.yaml")});
  CHECK(shared.exit_code == 1);
  CHECK_MESSAGE(shared.err.find("error: --local cannot take back what kubectl-grpcmesh set on Deployment "
                                "istio-system/istio-ingressgateway") == 0,
                shared.describe());
  CHECK(shared.out.empty());
}

TEST_CASE("local: -f reads as check -f does: directories, stdin, the same errors") {
  // stdin gives the same answer as the directory.
  std::string all;
  for (const auto& f : {"apps/services.yaml", "istio/ingress.yaml", "mesh/api-example-com.yaml",
                        "mesh/grpc-example-com.yaml", "mesh/team-b.json"}) {
    all += slurp(kDir / "repo" / f) + "\n---\n";
  }
  const auto& web = cases()[6];
  auto from_dir = local(web);
  e2e::RunOptions options;
  options.clear_env = true;
  options.env = {{"PATH", "/usr/bin:/bin"}, {"HOME", "/nonexistent"}};
  options.stdin_data = all;
  auto from_stdin = e2e::run({e2e::plugin_path().string(), "web", "--host", "grpc.example.com", "--allow-origin",
                              "https://app.example.com", "--gateway-namespace", "istio-system", "--local", "-f", "-"},
                             options);
  REQUIRE_MESSAGE(from_stdin.ok(), from_stdin.describe());
  CHECK(from_stdin.out == from_dir.out);

  // Errors in the files read as check -f words them.
  e2e::TempDir dir;
  const auto bad = dir.write("bad.yaml", "apiVersion: v1\nkind: Service\nmetadata: {name: a}\n---\n- just\n- a list\n");
  auto ours = local_args({"init", "--host", "grpc.example.com", "--gateway-namespace", "istio-system", "--local", "-f",
                          bad.string()});
  auto checks = local_args({"check", "--offline", "-f", bad.string()});
  CHECK(ours.exit_code == 1);
  CHECK_MESSAGE(ours.err.find(bad.string() + ":5: the document is not an object") != std::string::npos, ours.describe());
  CHECK(ours.err == checks.err);
  auto none = local_args({"init", "--host", "grpc.example.com", "--gateway-namespace", "istio-system", "--local", "-f",
                          (dir.path() / "nothing-here").string()});
  auto none_check = local_args({"check", "--offline", "-f", (dir.path() / "nothing-here").string()});
  CHECK(none.exit_code == 1);
  CHECK(none.err == none_check.err);
}

TEST_CASE("local: usage errors for -f and --local apart, and --dry-run=server") {
  auto f_only = local_args({"init", "--host", "grpc.example.com", "-f", repo()});
  CHECK(f_only.exit_code == 2);
  CHECK_MESSAGE(f_only.err.rfind("error: -f names the manifests --local reads the current state from; add --local", 0) ==
                    0,
                f_only.describe());
  auto local_only = local_args({"web", "--host", "grpc.example.com", "--local"});
  CHECK(local_only.exit_code == 2);
  CHECK_MESSAGE(local_only.err.rfind("error: --local reads the current state from manifests: give -f FILE|DIR|-", 0) ==
                    0,
                local_only.describe());
  auto server = local_args({"stream", "--host", "grpc.example.com", "--local", "-f", repo(), "--dry-run=server"});
  CHECK(server.exit_code == 2);
  CHECK_MESSAGE(server.err.find("drop --dry-run=server") != std::string::npos, server.describe());
  // --dry-run=client without --local keeps its meaning: every fact from flags.
  auto client = local_args({"web", "--host", "grpc.example.com", "--allow-origin", "https://app.example.com",
                            "--gateway-namespace", "istio-system", "--dry-run=client", "-o", "yaml"});
  REQUIRE_MESSAGE(client.ok(), client.describe());
  CHECK(client.err.find("--dry-run=client does not read the host's routes") != std::string::npos);
}

TEST_CASE("local: completion offers --local, -f completes file names, and every help shows an example") {
  for (const std::string command : {"init", "tls", "expose", "stream", "web"}) {
    CAPTURE(command);
    auto flags = local_args({"__complete", command, "--lo"});
    REQUIRE_MESSAGE(flags.ok(), flags.describe());
    CHECK_MESSAGE(flags.out.rfind("--local\t", 0) == 0, flags.describe());
    auto files = local_args({"__complete", command, "--local", "-f", ""});
    REQUIRE_MESSAGE(files.ok(), files.describe());
    CHECK_MESSAGE(files.out == ":0\n", files.describe());  // the shell's own file completion
    auto help = local_args({command, "--help"});
    REQUIRE_MESSAGE(help.ok(), help.describe());
    CHECK_MESSAGE(help.out.find("kubectl grpcmesh " + command) != std::string::npos, help.describe());
    CHECK_MESSAGE(help.out.find("--local -f deploy/") != std::string::npos, help.describe());
    CHECK_MESSAGE(help.out.find("-f, --filename") != std::string::npos, help.describe());
  }
}

TEST_CASE("local: the README's GitOps commands run as written") {
  // The two shell blocks of README.md's GitOps section, run in a directory
  // whose deploy/ holds the apps' Services and the ingress gateway's Service.
  const std::string readme = slurp(source_dir() / "README.md");
  const size_t section = readme.find("\n## GitOps\n");
  REQUIRE(section != std::string::npos);
  std::string script = "set -euo pipefail\n";
  size_t at = section;
  for (int block = 0; block < 2; ++block) {
    const size_t open = readme.find("```sh\n", at);
    REQUIRE(open != std::string::npos);
    const size_t close = readme.find("```\n", open + 6);
    script += readme.substr(open + 6, close - open - 6);
    at = close + 4;
  }
  const std::string binary = e2e::plugin_path().string();
  for (size_t p = script.find("kubectl grpcmesh "); p != std::string::npos; p = script.find("kubectl grpcmesh ", p)) {
    script.replace(p, 17, binary + " ");
    p += binary.size();
  }
  e2e::TempDir dir("grpcmesh-readme");
  dir.write("deploy/apps.yaml", slurp(kDir / "repo/apps/services.yaml"));
  dir.write("deploy/ingress.yaml", slurp(kDir / "repo/istio/ingress.yaml"));
  e2e::RunOptions options;
  options.clear_env = true;
  options.env = unreachable_cluster();
  options.env["PATH"] = "/usr/bin:/bin";
  options.cwd = dir.path();
  auto r = e2e::run({"bash", "-c", script}, options);
  REQUIRE_MESSAGE(r.ok(), r.describe());
  const std::string gateway = slurp(dir.path() / "grpc-gateway.yaml");
  const std::string routes = slurp(dir.path() / "grpc-routes.yaml");
  const std::string web = slurp(dir.path() / "grpc-web.yaml");
  CHECK(gateway.find("kind: Gateway") != std::string::npos);
  CHECK(routes.find("appProtocol: grpc") == std::string::npos);  // services.yaml already has it
  CHECK(routes.find("prefix: /helloworld.Greeter/") != std::string::npos);
  CHECK(web.find("corsPolicy:") != std::string::npos);
  CHECK(web.find("kind: EnvoyFilter") != std::string::npos);
  const std::string sarif = slurp(dir.path() / "grpcmesh.sarif");
  CHECK(sarif.find("\"version\": \"2.1.0\"") != std::string::npos);
}
