// End-to-end tests of the Kubernetes client core (core/kube) against the real
// control plane, driven through the test-only grpcmesh-kube-probe: kubeconfig
// and authentication (client certificates, tokens, exec plugins,
// impersonation), server-side apply, discovery, pagination, RBAC refusals and
// bad input.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <thread>

#include "harness.hpp"

using e2e::cluster;
using e2e::Result;
using nlohmann::json;

namespace {

using e2e::contains;
using e2e::count_of;

e2e::fs::path probe_path() { return e2e::plugin_path().parent_path() / "grpcmesh-kube-probe"; }

// The probe as the admin user (KUBECONFIG from the control plane) unless
// `env` says otherwise.
Result probe(const std::vector<std::string>& args, std::map<std::string, std::string> env = {}) {
  std::vector<std::string> argv{probe_path().string()};
  argv.insert(argv.end(), args.begin(), args.end());
  e2e::RunOptions options;
  options.env = e2e::cluster_child_env();
  for (auto& [k, v] : env) {
    options.env[k] = v;
  }
  return e2e::run(argv, options);
}

// A kubeconfig in `dir` whose user is the exec plugin `dir`/plugin.sh, run
// with DIR (that directory), REAL_TOKEN (a token the server accepts) and the
// `extra_env` entries (YAML list items) in its environment. Returns its path.
std::string exec_plugin_kubeconfig(const e2e::TempDir& dir, const std::string& extra_env = "") {
  return dir
      .write("kubeconfig",
             "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: " +
                 e2e::cluster("GRPCMESH_SERVER") + "\n    certificate-authority: " + e2e::cluster("GRPCMESH_CA_FILE") +
                 "\nusers:\n- name: plugin-user\n  user:\n    exec:\n      apiVersion: "
                 "client.authentication.k8s.io/v1\n      command: ./plugin.sh\n      interactiveMode: Never\n"
                 "      env:\n      - {name: DIR, value: " +
                 dir.path().string() + "}\n      - {name: REAL_TOKEN, value: " + e2e::cluster("GRPCMESH_TOKEN") +
                 "}\n" + extra_env +
                 "contexts:\n- name: x\n  context: {cluster: c, user: plugin-user}\ncurrent-context: x\n")
      .string();
}

std::string config_map(const std::string& ns, const std::string& name, const std::string& value) {
  return "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: " + name + "\n  namespace: " + ns +
         "\ndata:\n  key: \"" + value + "\"\n";
}

bool exists(const std::string& ns, const std::string& kind, const std::string& name) {
  return e2e::kubectl({"get", "-n", ns, kind, name, "-o", "name"}).ok();
}

// One line on stderr starting "error: ", exit 1, nothing on stdout.
void check_one_line_error(const Result& r, const std::string& expected) {
  CAPTURE(r.describe());
  CHECK(r.exit_code == 1);
  CHECK(r.out.empty());
  CHECK(r.err.rfind("error: ", 0) == 0);
  CHECK(count_of(r.err, "\n") == 1);
  CHECK(contains(r.err, expected));
}

}  // namespace

TEST_SUITE("kube client") {
  TEST_CASE("client-certificate, token and flag-given credentials authenticate") {
    CHECK(probe({"whoami"}).out == "grpcmesh-admin\n");
    CHECK(probe({"whoami"}, {{"KUBECONFIG", cluster("GRPCMESH_TOKEN_KUBECONFIG")}}).out ==
          cluster("GRPCMESH_TOKEN_USER") + "\n");
    CHECK(probe({"whoami"}, {{"KUBECONFIG", cluster("GRPCMESH_VIEWER_KUBECONFIG")}}).out ==
          cluster("GRPCMESH_VIEWER_USER") + "\n");
    // No kubeconfig at all: everything from flags.
    e2e::TempDir home;
    auto r = probe({"whoami", "-s", cluster("GRPCMESH_SERVER"), "--certificate-authority", cluster("GRPCMESH_CA_FILE"),
                    "--client-certificate", cluster("GRPCMESH_ADMIN_CERT"), "--client-key",
                    cluster("GRPCMESH_ADMIN_KEY")},
                   {{"KUBECONFIG", ""}, {"HOME", home.path().string()}});
    CHECK_MESSAGE(r.out == "grpcmesh-admin\n", r.describe());
    auto t = probe({"whoami", "-s", cluster("GRPCMESH_SERVER"), "--certificate-authority", cluster("GRPCMESH_CA_FILE"),
                    "--token", cluster("GRPCMESH_TOKEN")},
                   {{"KUBECONFIG", ""}, {"HOME", home.path().string()}});
    CHECK_MESSAGE(t.out == cluster("GRPCMESH_TOKEN_USER") + "\n", t.describe());
  }

  TEST_CASE("--tls-server-name verifies the certificate against another name") {
    std::string port = cluster("GRPCMESH_SERVER").substr(cluster("GRPCMESH_SERVER").rfind(':') + 1);
    CHECK(probe({"whoami", "--tls-server-name", "kubernetes.default"}).out == "grpcmesh-admin\n");
    CHECK(probe({"whoami", "-s", "https://localhost:" + port}).out == "grpcmesh-admin\n");
  }

  TEST_CASE("the kubeconfig's CA is the only trust anchor, as in client-go: no system CA is consulted") {
    e2e::TempDir dir;
    auto other_ca = dir.path() / "other-ca.crt";
    REQUIRE(e2e::run({"openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=other-ca",
                      "-keyout", (dir.path() / "other-ca.key").string(), "-out", other_ca.string()})
                .ok());
    // Verification fails, so OpenSSL asks every lookup it has for the
    // server's issuer: a system CA directory would be searched here.
    e2e::RunOptions options;
    options.env = e2e::cluster_child_env();
    auto traced =
        e2e::run_traced({probe_path().string(), "whoami", "--certificate-authority", other_ca.string()}, options);
    CAPTURE(traced.paths);
    check_one_line_error(traced.result, "failed to verify certificate");
    CHECK(contains(traced.paths, other_ca.string()));
    CHECK_FALSE(contains(traced.paths, "/etc/ssl/certs"));
  }

  TEST_CASE("a tokenFile is re-read and never logged") {
    e2e::TempDir dir;
    auto token_file = dir.write("token", cluster("GRPCMESH_TOKEN") + "\n");
    auto kc = dir.write("kubeconfig",
                        "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: " +
                            cluster("GRPCMESH_SERVER") + "\n    certificate-authority: " + cluster("GRPCMESH_CA_FILE") +
                            "\nusers:\n- name: u\n  user:\n    tokenFile: token\ncontexts:\n- name: x\n  context: "
                            "{cluster: c, user: u}\ncurrent-context: x\n");
    auto r = probe({"whoami", "-v", "9"}, {{"KUBECONFIG", kc.string()}});
    CHECK_MESSAGE(r.out == cluster("GRPCMESH_TOKEN_USER") + "\n", r.describe());
    CHECK(contains(r.err, "POST " + cluster("GRPCMESH_SERVER") + "/apis/authentication.k8s.io/v1/selfsubjectreviews 201"));
    CHECK_FALSE(contains(r.err, cluster("GRPCMESH_TOKEN")));
    (void)token_file;
  }

  TEST_CASE("exec plugin: cached in the process, re-run after expiry and after a 401") {
    e2e::TempDir dir;
    // Prints the real token with an expiry of $TTL seconds; a run listed in
    // $BAD_RUNS returns a token the server rejects. Counts its runs.
    auto plugin = dir.write("plugin.sh",
                            "#!/bin/sh\n"
                            "n=$(cat \"$DIR/count\" 2>/dev/null || echo 0); n=$((n+1)); echo $n > \"$DIR/count\"\n"
                            "token=\"$REAL_TOKEN\"\n"
                            "case \" $BAD_RUNS \" in *\" $n \"*) token=not-a-valid-token ;; esac\n"
                            "exp=$(date -u -d \"+$TTL seconds\" +%Y-%m-%dT%H:%M:%SZ)\n"
                            "printf '{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":\"ExecCredential\","
                            "\"status\":{\"token\":\"%s\",\"expirationTimestamp\":\"%s\"}}' \"$token\" \"$exp\"\n");
    e2e::fs::permissions(plugin, e2e::fs::perms::owner_all);
    auto kubeconfig = [&](const std::string& ttl, const std::string& bad_runs) {
      std::error_code ec;
      e2e::fs::remove(dir.path() / "count", ec);
      return exec_plugin_kubeconfig(dir, "      - {name: TTL, value: \"" + ttl + "\"}\n      - {name: BAD_RUNS, value: \"" +
                                                  bad_runs + "\"}\n");
    };
    auto runs = [&] { return e2e::read_file(dir.path() / "count"); };
    std::string user = cluster("GRPCMESH_TOKEN_USER") + "\n";

    SUBCASE("cached until it expires") {
      auto r = probe({"whoami", "--repeat", "3"}, {{"KUBECONFIG", kubeconfig("3600", "")}});
      CHECK_MESSAGE(r.out == user + user + user, r.describe());
      CHECK(runs() == "1\n");
    }
    SUBCASE("re-run after expiry") {
      auto r = probe({"whoami", "--repeat", "2", "--sleep-ms", "2500"}, {{"KUBECONFIG", kubeconfig("1", "")}});
      CHECK_MESSAGE(r.out == user + user, r.describe());
      CHECK(runs() == "2\n");
    }
    SUBCASE("re-run once after a 401") {
      auto r = probe({"whoami"}, {{"KUBECONFIG", kubeconfig("3600", "1")}});
      CHECK_MESSAGE(r.out == user, r.describe());
      CHECK(runs() == "2\n");
    }
    SUBCASE("a plugin whose tokens are always refused: one 401 message naming the user") {
      auto r = probe({"whoami"}, {{"KUBECONFIG", kubeconfig("3600", "1 2 3")}});
      check_one_line_error(r, "You must be logged in to the server (Unauthorized): the server rejected the "
                              "credentials of user \"plugin-user\"");
      CHECK(runs() == "2\n");  // re-run once, not in a loop
    }
  }

  TEST_CASE("exec plugin: a client certificate it returns later is presented on a new connection") {
    e2e::TempDir dir;
    // The first run returns a token; the next (after the 1 s expiry) the
    // admin's client certificate and key, and no token.
    json cert_credential = {
        {"apiVersion", "client.authentication.k8s.io/v1"},
        {"kind", "ExecCredential"},
        {"status",
         {{"clientCertificateData", e2e::read_file(cluster("GRPCMESH_ADMIN_CERT"))},
          {"clientKeyData", e2e::read_file(cluster("GRPCMESH_ADMIN_KEY"))}}}};
    dir.write("cert.json", cert_credential.dump());
    auto plugin = dir.write("plugin.sh",
                            "#!/bin/sh\n"
                            "n=$(cat \"$DIR/count\" 2>/dev/null || echo 0); n=$((n+1)); echo $n > \"$DIR/count\"\n"
                            "if [ $n -gt 1 ]; then cat \"$DIR/cert.json\"; exit 0; fi\n"
                            "exp=$(date -u -d '+1 seconds' +%Y-%m-%dT%H:%M:%SZ)\n"
                            "printf '{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":\"ExecCredential\","
                            "\"status\":{\"token\":\"%s\",\"expirationTimestamp\":\"%s\"}}' \"$REAL_TOKEN\" \"$exp\"\n");
    e2e::fs::permissions(plugin, e2e::fs::perms::owner_all);
    auto r = probe({"whoami", "--repeat", "2", "--sleep-ms", "2000"}, {{"KUBECONFIG", exec_plugin_kubeconfig(dir)}});
    CHECK_MESSAGE(r.out == cluster("GRPCMESH_TOKEN_USER") + "\ngrpcmesh-admin\n", r.describe());
    CHECK(e2e::read_file(dir.path() / "count") == "2\n");
  }

  TEST_CASE("impersonation sends --as and --as-group") {
    CHECK(probe({"whoami", "--as", "jane", "--as-group", "devs"}).out == "jane\n");
    // One group per flag: what follows is not swallowed as more groups.
    CHECK(probe({"resolve", "--as", "jane", "--as-group", "system:masters", "--as-group", "devs", "Service"}).out ==
          "v1 services namespaced\n");
    auto r = probe({"whoami", "--as", "jane"}, {{"KUBECONFIG", cluster("GRPCMESH_VIEWER_KUBECONFIG")}});
    check_one_line_error(r, "is forbidden: User \"" + cluster("GRPCMESH_VIEWER_USER") + "\" cannot impersonate");
  }

  TEST_CASE("apply: create, then configure, then unchanged - -o name and -o yaml") {
    std::string ns = e2e::create_namespace("kube-apply");
    e2e::TempDir dir;
    auto file = dir.write("cm.yaml", config_map(ns, "settings", "one"));
    auto created = probe({"apply", "-f", file.string()});
    CHECK_MESSAGE(created.out == "configmap/settings created\n", created.describe());
    auto unchanged = probe({"apply", "-f", file.string()});
    CHECK(unchanged.out == "configmap/settings unchanged\n");
    dir.write("cm.yaml", config_map(ns, "settings", "two"));
    auto configured = probe({"apply", "-f", file.string()});
    CHECK(configured.out == "configmap/settings configured\n");
    CHECK(e2e::kubectl({"get", "-n", ns, "configmap", "settings", "-o", "jsonpath={.data.key}"}).out == "two");
    // The field manager is ours.
    auto managers = e2e::kubectl({"get", "-n", ns, "configmap", "settings", "--show-managed-fields", "-o",
                                  "jsonpath={.metadata.managedFields[*].manager}"});
    CHECK(managers.out == "kubectl-grpcmesh");
    CHECK(probe({"apply", "-f", file.string(), "-o", "name"}).out == "configmap/settings\n");
    auto yaml = probe({"apply", "-f", file.string(), "-o", "yaml"});
    CHECK(contains(yaml.out, "name: settings\n"));
    CHECK_FALSE(contains(yaml.out, "managedFields"));
    CHECK(contains(probe({"apply", "-f", file.string(), "-o", "yaml", "--show-managed-fields"}).out, "managedFields"));
  }

  TEST_CASE("apply: many objects of one kind are read with one list - one configured among unchanged ones") {
    std::string ns = e2e::create_namespace("kube-apply-many");
    e2e::TempDir dir;
    auto write = [&](const std::string& changed_value) {
      std::string docs;
      for (int i = 0; i < 12; ++i) {
        docs += config_map(ns, "cm-" + std::to_string(i), i == 7 ? changed_value : "same") + "---\n";
      }
      // The same object given twice is read (and reported) twice.
      docs += config_map(ns, "cm-3", "same");
      return dir.write("many.yaml", docs);
    };
    auto file = write("same");
    REQUIRE(probe({"apply", "-f", file.string()}).ok());
    write("changed");
    auto again = probe({"apply", "-f", file.string()});
    REQUIRE_MESSAGE(again.ok(), again.describe());
    std::string expected;
    for (int i = 0; i < 12; ++i) {
      expected += "configmap/cm-" + std::to_string(i) + (i == 7 ? " configured\n" : " unchanged\n");
    }
    expected += "configmap/cm-3 unchanged\n";
    CHECK(again.out == expected);
    // -o yaml still prints every object as the server returned it.
    auto yaml = probe({"apply", "-f", file.string(), "-o", "yaml"});
    size_t names = 0;
    for (size_t at = yaml.out.find("name: cm-"); at != std::string::npos; at = yaml.out.find("name: cm-", at + 1)) {
      ++names;
    }
    CHECK(names == 13);
    CHECK(contains(yaml.out, "key: changed\n"));
  }

  TEST_CASE("apply: objects that cannot be applied are refused before anything is sent") {
    std::string ns = e2e::create_namespace("kube-refuse");
    e2e::TempDir dir;
    // A Service sorts after the object under test, so "object 2" counts as written.
    std::string first = "apiVersion: v1\nkind: Service\nmetadata: {name: would-be-first, namespace: " + ns +
                        "}\nspec:\n  ports: [{port: 80}]\n---\n";
    struct Case {
      std::string name;
      std::string yaml;
      std::vector<std::string> flags;
      std::string expected;
    };
    std::vector<Case> cases = {
        {"no name", "apiVersion: v1\nkind: Secret\nmetadata: {namespace: " + ns + "}\n", {},
         "Secret (object 2) has no metadata.name; set a name"},
        {"no kind", "apiVersion: v1\nmetadata: {name: x}\n", {}, "has no kind; set apiVersion and kind on every object"},
        {"unknown kind", "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n", {},
         "no matches for kind \"Widget\" in version \"example.com/v1\" (object \"w\"); ensure CRDs are installed first"},
        {"namespace differs from -n", config_map("elsewhere", "x", "y"), {"-n", ns},
         "the namespace from the provided object \"elsewhere\" does not match the namespace \"" + ns +
             "\". You must pass '--namespace=elsewhere' to perform this operation."},
    };
    for (const auto& c : cases) {
      CAPTURE(c.name);
      std::vector<std::string> args{"apply", "-f", dir.write("f.yaml", first + c.yaml).string()};
      args.insert(args.end(), c.flags.begin(), c.flags.end());
      check_one_line_error(probe(args), c.expected);
    }
    CHECK_FALSE(exists(ns, "service", "would-be-first"));
  }

  TEST_CASE("apply: a 409 names the other field manager - --force-conflicts wins") {
    std::string ns = e2e::create_namespace("kube-conflict");
    e2e::TempDir dir;
    auto file = dir.write("cm.yaml", config_map(ns, "shared", "mine"));
    REQUIRE(probe({"apply", "-f", file.string(), "--field-manager", "team-a"}).ok());
    dir.write("cm.yaml", config_map(ns, "shared", "theirs"));
    auto conflict = probe({"apply", "-f", file.string()});
    CAPTURE(conflict.describe());
    CHECK(conflict.exit_code == 1);
    CHECK(contains(conflict.err, "Apply failed with 1 conflict on configmaps \"shared\" in namespace \"" + ns + "\":"));
    CHECK(contains(conflict.err, "field .data.key is managed by \"team-a\""));
    CHECK(contains(conflict.err, "--force-conflicts"));
    CHECK(e2e::kubectl({"get", "-n", ns, "configmap", "shared", "-o", "jsonpath={.data.key}"}).out == "mine");
    auto forced = probe({"apply", "-f", file.string(), "--force-conflicts"});
    CHECK_MESSAGE(forced.out == "configmap/shared configured\n", forced.describe());
    CHECK(e2e::kubectl({"get", "-n", ns, "configmap", "shared", "-o", "jsonpath={.data.key}"}).out == "theirs");
  }

  TEST_CASE("apply: --dry-run=server reports without changing anything") {
    std::string ns = e2e::create_namespace("kube-dryrun");
    e2e::TempDir dir;
    auto file = dir.write("cm.yaml", config_map(ns, "planned", "v1"));
    auto create = probe({"apply", "-f", file.string(), "--dry-run=server"});
    CHECK_MESSAGE(create.out == "configmap/planned created (server dry run)\n", create.describe());
    CHECK_FALSE(exists(ns, "configmap", "planned"));
    REQUIRE(probe({"apply", "-f", file.string()}).ok());
    dir.write("cm.yaml", config_map(ns, "planned", "v2"));
    CHECK(probe({"apply", "-f", file.string(), "--dry-run=server"}).out == "configmap/planned configured (server dry run)\n");
    CHECK(e2e::kubectl({"get", "-n", ns, "configmap", "planned", "-o", "jsonpath={.data.key}"}).out == "v1");
    CHECK(probe({"apply", "-f", file.string(), "--dry-run=client"}).out == "configmap/planned configured (dry run)\n");
    CHECK(probe({"apply", "-f", file.string(), "--dry-run"}).out == "configmap/planned configured (dry run)\n");
    CHECK(e2e::kubectl({"get", "-n", ns, "configmap", "planned", "-o", "jsonpath={.data.key}"}).out == "v1");
    auto bad = probe({"apply", "-f", file.string(), "--dry-run=maybe"});
    CHECK(bad.exit_code == 2);
    CHECK(contains(bad.err, "Invalid dry-run value (maybe). Must be \"none\", \"server\", or \"client\"."));
  }

  TEST_CASE("apply: the CRD's 422 for timeout: 0s is reported with its cause - later objects are not applied") {
    std::string ns = e2e::create_namespace("kube-invalid");
    e2e::TempDir dir;
    auto file = dir.write("objects.yaml",
                          "apiVersion: networking.istio.io/v1alpha3\nkind: EnvoyFilter\nmetadata:\n  name: later\n"
                          "  namespace: " + ns + "\nspec: {}\n---\n"
                          "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata:\n  name: greeter\n"
                          "  namespace: " + ns + "\nspec:\n  hosts: [greeter]\n  http:\n  - timeout: 0s\n"
                          "    route:\n    - destination: {host: greeter}\n---\n" +
                              config_map(ns, "first", "x"));
    auto r = probe({"apply", "-f", file.string()});
    CAPTURE(r.describe());
    CHECK(r.exit_code == 1);
    CHECK(r.out == "configmap/first created\n");  // applied before the failure (dependency order)
    CHECK(contains(r.err, "error: The VirtualService \"greeter\" is invalid: spec.http[0].timeout: Invalid value: "
                          "\"0s\": must be a valid duration greater than 1ms\n"));
    CHECK(contains(r.err, "not applied: envoyfilter.networking.istio.io/later\n"));
    CHECK_FALSE(exists(ns, "virtualservices.networking.istio.io", "greeter"));
    CHECK_FALSE(exists(ns, "envoyfilters.networking.istio.io", "later"));
  }

  TEST_CASE("apply: server warnings are printed once each on stderr") {
    std::string ns = e2e::create_namespace("kube-warn");
    e2e::TempDir dir;
    std::string objects;
    for (std::string name : {"w1", "w2"}) {
      objects += "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: " + name + "\n  namespace: " + ns +
                 "\nspec:\n  selector: {matchLabels: {app: w}}\n  template:\n    metadata: {labels: {app: w}}\n"
                 "    spec:\n      nodeSelector: {beta.kubernetes.io/os: linux}\n"
                 "      containers: [{name: c, image: example.com/w:1}]\n---\n";
    }
    auto r = probe({"apply", "-f", dir.write("w.yaml", objects).string(), "--dry-run=server"});
    CAPTURE(r.describe());
    CHECK(r.out == "deployment.apps/w1 created (server dry run)\ndeployment.apps/w2 created (server dry run)\n");
    CHECK(r.err ==
          "Warning: spec.template.spec.nodeSelector[beta.kubernetes.io/os]: deprecated since v1.14; use "
          "\"kubernetes.io/os\" instead\n");
  }

  TEST_CASE("list: 1,200 objects in pages of 500 with continue tokens") {
    std::string ns = e2e::create_namespace("kube-page");
    e2e::TempDir dir;
    json list = {{"apiVersion", "v1"}, {"kind", "List"}, {"items", json::array()}};
    for (int i = 0; i < 1200; ++i) {
      list["items"].push_back({{"apiVersion", "v1"},
                               {"kind", "ConfigMap"},
                               {"metadata", {{"name", "page-" + std::to_string(i)}, {"namespace", ns}, {"labels", {{"bulk", ns}}}}},
                               {"data", {{"i", std::to_string(i)}}}});
    }
    auto applied = probe({"apply", "-f", dir.write("bulk.json", list.dump()).string(), "-o", "name"});
    REQUIRE_MESSAGE(applied.ok(), applied.describe());
    auto r = probe({"list", "ConfigMap", "-n", ns, "-l", "bulk=" + ns, "--count", "-v", "6"});
    CAPTURE(r.describe());
    CHECK(r.out == "1200\n");
    CHECK(count_of(r.err, "/api/v1/namespaces/" + ns + "/configmaps?limit=500") == 3);
    CHECK(count_of(r.err, "&continue=") == 2);
    // Across all namespaces. (Not with --field-selector metadata.namespace=: kube-apiserver
    // 1.37 ends that paginated list after the first page, for kubectl too.)
    auto all = probe({"list", "ConfigMap", "-A", "-l", "bulk=" + ns, "-o", "name"});
    CHECK(count_of(all.out, "configmap/page-") == 1200);
  }

  TEST_CASE("discovery picks networking.istio.io/v1, EnvoyFilter v1alpha3, GRPCRoute v1") {
    CHECK(probe({"resolve", "networking.istio.io/VirtualService"}).out == "networking.istio.io/v1 virtualservices namespaced\n");
    CHECK(probe({"resolve", "networking.istio.io/Gateway"}).out == "networking.istio.io/v1 gateways namespaced\n");
    CHECK(probe({"resolve", "networking.istio.io/EnvoyFilter"}).out == "networking.istio.io/v1alpha3 envoyfilters namespaced\n");
    CHECK(probe({"resolve", "gateway.networking.k8s.io/GRPCRoute"}).out == "gateway.networking.k8s.io/v1 grpcroutes namespaced\n");
    CHECK(probe({"resolve", "Namespace"}).out == "v1 namespaces cluster\n");
    CHECK(probe({"resolve", "networking.istio.io/VirtualService", "--version", "v1beta1"}).out ==
          "networking.istio.io/v1beta1 virtualservices namespaced\n");
    auto missing = probe({"resolve", "example.com/Widget"});
    check_one_line_error(missing, "the server doesn't have a resource type for kind \"Widget\" in group \"example.com\"");
    // Two discovery requests (aggregated /api and /apis), nothing per group.
    auto logged = probe({"resolve", "networking.istio.io/VirtualService", "-v", "6"});
    CHECK(count_of(logged.err, "GET ") == 2);
  }

  TEST_CASE("403 for the narrow-RBAC user: a typed list result, a clear apply error, nothing applied") {
    auto env = std::map<std::string, std::string>{{"KUBECONFIG", cluster("GRPCMESH_VIEWER_KUBECONFIG")}};
    auto listed = probe({"list", "Secret", "-A", "--count"}, env);
    CHECK(listed.exit_code == 1);
    CHECK(listed.out == "forbidden: secrets is forbidden: User \"" + cluster("GRPCMESH_VIEWER_USER") +
                            "\" cannot list resource \"secrets\" in API group \"\" at the cluster scope\n");
    std::string ns = e2e::create_namespace("kube-rbac");
    e2e::TempDir dir;
    auto r = probe({"apply", "-f", dir.write("cm.yaml", config_map(ns, "denied", "x")).string()}, env);
    CAPTURE(r.describe());
    CHECK(r.exit_code == 1);
    CHECK(contains(r.err, "Error from server (Forbidden): configmaps \"denied\" is forbidden: User \"" +
                              cluster("GRPCMESH_VIEWER_USER") + "\" cannot patch resource \"configmaps\""));
    CHECK_FALSE(exists(ns, "configmap", "denied"));
  }

  TEST_CASE("typed readers over the simulated ingress gateway - a 403 degrades - Secret values only when asked") {
    std::string ns = e2e::create_namespace("kube-read");
    REQUIRE(e2e::kubectl({"create", "secret", "generic", "-n", ns, "creds", "--from-literal=password=hunter2"}).ok());
    auto admin = probe({"ingress", "--secret", ns + "/creds"});
    CAPTURE(admin.describe());
    CHECK(contains(admin.out, "service istio-system/istio-ingressgateway LoadBalancer 127.0.0.1 status-port:15021->15021 "
                              "http2:80->8080 https:443->8443\n"));
    CHECK(contains(admin.out, "pods ready 2/2\n"));
    CHECK(contains(admin.out, "endpointslice istio-system/istio-ingressgateway-sim ready 2\n"));
    CHECK(contains(admin.out, "secret key password = \n"));  // keys without values by default
    CHECK_FALSE(contains(admin.out, "hunter2"));
    CHECK(contains(probe({"ingress", "--secret", ns + "/creds", "--with-data"}).out, "secret key password = hunter2\n"));
    auto viewer = probe({"ingress"}, {{"KUBECONFIG", cluster("GRPCMESH_VIEWER_KUBECONFIG")}});
    CHECK_MESSAGE(viewer.ok(), viewer.describe());
    CHECK(contains(viewer.out, "pods ready 2/2\n"));
    CHECK(contains(viewer.out, "secrets forbidden: secrets is forbidden: User \"" + cluster("GRPCMESH_VIEWER_USER") +
                                   "\" cannot list resource \"secrets\""));
  }

  TEST_CASE("bad input: one clear line, exit 1, nothing applied") {
    std::string ns = e2e::create_namespace("kube-bad");
    e2e::TempDir dir;
    auto file = dir.write("cm.yaml", config_map(ns, "never", "x")).string();
    auto malformed = dir.write("malformed.kubeconfig", "clusters:\n- name: [oops\n").string();
    auto other_ca_key = dir.path() / "other-ca.key";
    auto other_ca = dir.path() / "other-ca.crt";
    REQUIRE(e2e::run({"openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=other-ca",
                      "-keyout", other_ca_key.string(), "-out", other_ca.string()})
                .ok());
    auto key = dir.path() / "expired.key";
    auto csr = dir.path() / "expired.csr";
    auto crt = dir.path() / "expired.crt";
    REQUIRE(e2e::run({"openssl", "req", "-new", "-newkey", "rsa:2048", "-nodes", "-subj",
                      "/O=system:masters/CN=expired", "-keyout", key.string(), "-out", csr.string()})
                .ok());
    std::string ca_key = (e2e::fs::path(cluster("GRPCMESH_CA_FILE")).parent_path() / "ca.key").string();
    REQUIRE(e2e::run({"openssl", "x509", "-req", "-in", csr.string(), "-CA", cluster("GRPCMESH_CA_FILE"), "-CAkey",
                      ca_key, "-CAcreateserial", "-CAserial", (dir.path() / "ca.srl").string(), "-days", "0", "-out",
                      crt.string()})
                .ok());
    std::this_thread::sleep_for(std::chrono::milliseconds(1100));  // -days 0 expires now
    auto not_pem = dir.write("not-pem.crt", "not a certificate\n");

    struct Case {
      std::string name;
      std::vector<std::string> flags;
      std::string expected;
      bool kubectl_says_the_same = false;  // the peer prints this very wording
    };
    std::vector<Case> cases = {
        {"malformed kubeconfig", {"--kubeconfig", malformed}, "error loading config file \"" + malformed + "\"", true},
        {"missing kubeconfig file", {"--kubeconfig", (dir.path() / "absent").string()},
         "stat " + (dir.path() / "absent").string() + ": no such file or directory", true},
        // Not `context "nope" does not exist`: kubectl 1.37 words it this way.
        {"unknown context", {"--context", "nope"}, "context was not found for specified context: nope", true},
        {"unreachable server", {"-s", "https://127.0.0.1:1"},
         "The connection to the server 127.0.0.1:1 was refused - did you specify the right host or port?", true},
        {"unknown host", {"-s", "https://no-such-host.invalid:6443"},
         "Unable to connect to the server: lookup no-such-host.invalid: no such host"},
        {"wrong CA", {"--certificate-authority", other_ca.string()},
         "Unable to connect to the server " + cluster("GRPCMESH_SERVER").substr(8) +
             ": tls: failed to verify certificate"},
        {"certificate not valid for the name", {"--tls-server-name", "wrong.example"},
         "tls: the server certificate is not valid for \"wrong.example\""},
        {"expired client certificate", {"--client-certificate", crt.string(), "--client-key", key.string()},
         "the client certificate of user \"grpcmesh-admin\" expired on"},
        {"certificate-authority that is not PEM", {"--certificate-authority", not_pem.string()},
         "the certificate-authority of cluster \"grpcmesh-test\" is not a valid PEM bundle (no PEM certificate in it)"},
        {"client key of another certificate",
         {"--client-certificate", cluster("GRPCMESH_ADMIN_CERT"), "--client-key", other_ca_key.string()},
         "the client certificate or key is unusable ("},
    };
    for (const auto& c : cases) {
      CAPTURE(c.name);
      std::vector<std::string> args{"apply", "-f", file};
      args.insert(args.end(), c.flags.begin(), c.flags.end());
      check_one_line_error(probe(args), c.expected);
      if (c.kubectl_says_the_same) {
        std::vector<std::string> kargs{"get", "configmaps"};
        kargs.insert(kargs.end(), c.flags.begin(), c.flags.end());
        auto peer = e2e::kubectl(kargs);
        CHECK_MESSAGE(contains(peer.err, c.expected), peer.describe());
      }
    }
    CHECK_FALSE(exists(ns, "configmap", "never"));
  }

  TEST_CASE("proxy-url tunnels through an HTTP CONNECT proxy - loopback skips HTTPS_PROXY like Go") {
    e2e::Background proxy({"python3", (e2e::source_dir() / "tests/testdata/kube/connect_proxy.py").string()});
    std::string proxy_url = "http://127.0.0.1:" + proxy.wait_for_line("listening on ").substr(13);
    e2e::TempDir dir;
    std::string server = cluster("GRPCMESH_SERVER");
    auto kc = dir.write("kubeconfig",
                        "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: " + server +
                            "\n    certificate-authority: " + cluster("GRPCMESH_CA_FILE") + "\n    proxy-url: " + proxy_url +
                            "\nusers:\n- name: u\n  user:\n    token: " + cluster("GRPCMESH_TOKEN") +
                            "\ncontexts:\n- name: x\n  context: {cluster: c, user: u}\ncurrent-context: x\n");
    auto r = probe({"whoami"}, {{"KUBECONFIG", kc.string()}});
    CHECK_MESSAGE(r.out == cluster("GRPCMESH_TOKEN_USER") + "\n", r.describe());
    CHECK(contains(proxy.out(), "CONNECT " + server.substr(8) + "\n"));
    size_t tunnels = count_of(proxy.out(), "CONNECT ");
    auto direct = probe({"whoami"}, {{"HTTPS_PROXY", proxy_url}});
    CHECK(direct.out == "grpcmesh-admin\n");
    CHECK(count_of(proxy.out(), "CONNECT ") == tunnels);  // 127.0.0.1 is never proxied
  }

  TEST_CASE("-v 6 logs each request and status, never credentials") {
    auto r = probe({"list", "Service", "-n", "istio-system", "--count", "-v", "6"},
                   {{"KUBECONFIG", cluster("GRPCMESH_TOKEN_KUBECONFIG")}});
    CAPTURE(r.describe());
    CHECK(contains(r.err, "GET " + cluster("GRPCMESH_SERVER") + "/api/v1/namespaces/istio-system/services?limit=500 200 OK in "));
    CHECK_FALSE(contains(r.err, cluster("GRPCMESH_TOKEN")));
    CHECK_FALSE(contains(probe({"list", "Service", "--count"}).err, "GET "));  // silent by default
  }
}
