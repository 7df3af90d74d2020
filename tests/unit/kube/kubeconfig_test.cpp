#include "core/kube/kubeconfig.hpp"

#include <doctest/doctest.h>

#include "core/kube/rest_config.hpp"
#include "core/util/error.hpp"
#include "tests/unit/kube/fixtures.hpp"

using grpcmesh::kube::ConnectionOptions;
using grpcmesh::kube::Environment;
using grpcmesh::kube::kubeconfig_sources;
using grpcmesh::kube::load_kubeconfig;
using grpcmesh::kube::load_rest_config;
using grpcmesh::kube::parse_request_timeout;
using grpcmesh::kube::RestConfig;
using grpcmesh::kube::testing::error_of;
using grpcmesh::kube::testing::KubeconfigBuilder;
using grpcmesh::kube::testing::TempDir;
using nlohmann::json;

namespace {

Environment env_with(std::map<std::string, std::string, std::less<>> vars, const std::string& sa_dir = "/nonexistent") {
  Environment env;
  env.vars = std::move(vars);
  env.service_account_dir = sa_dir;
  return env;
}

RestConfig load(const ConnectionOptions& o, const Environment& env) { return load_rest_config(o, env); }

ConnectionOptions with_kubeconfig(const std::string& path) {
  ConnectionOptions o;
  o.kubeconfig = path;
  return o;
}

}  // namespace

TEST_CASE("kubeconfig: which files are read") {
  struct Case {
    std::string name;
    std::string flag;
    std::optional<std::string> kubeconfig_env;
    std::vector<std::string> files;
    bool required;
  };
  std::vector<Case> cases = {
      {"--kubeconfig alone, even with KUBECONFIG set", "/a/flag", "/a/one:/a/two", {"/a/flag"}, true},
      {"KUBECONFIG list, empty elements and duplicates dropped", "", "/a/one::/a/two:/a/one", {"/a/one", "/a/two"}, false},
      {"empty KUBECONFIG falls back to HOME", "", "", {"/home/me/.kube/config"}, false},
      {"unset KUBECONFIG falls back to HOME", "", std::nullopt, {"/home/me/.kube/config"}, false},
  };
  for (const auto& c : cases) {
    CAPTURE(c.name);
    ConnectionOptions o;
    o.kubeconfig = c.flag;
    std::map<std::string, std::string, std::less<>> vars = {{"HOME", "/home/me"}};
    if (c.kubeconfig_env) {
      vars["KUBECONFIG"] = *c.kubeconfig_env;
    }
    auto sources = kubeconfig_sources(o, env_with(vars));
    CHECK(sources.files == c.files);
    CHECK(sources.required == c.required);
  }
}

TEST_CASE("kubeconfig: merging follows client-go (first file to set a name wins, entries never merged)") {
  TempDir dir;
  std::string first = KubeconfigBuilder()
                          .cluster("shared", "https://first:6443")
                          .user("u", {{"token", "first-token"}})
                          .context("ctx-a", "shared", "u")
                          .write(dir, "one.yaml");
  std::string second = KubeconfigBuilder()
                           .cluster("shared", "https://second:6443", {{"insecure-skip-tls-verify", true}})
                           .cluster("only-second", "https://only:6443")
                           .user("u", {{"token", "second-token"}})
                           .context("ctx-b", "only-second", "u")
                           .current("ctx-b")
                           .write(dir, "two.yaml");
  auto env = env_with({{"KUBECONFIG", first + ":" + dir.file("missing.yaml") + ":" + second}});
  auto kc = load_kubeconfig(kubeconfig_sources({}, env));
  CHECK(kc.files == std::vector<std::string>{first, second});
  CHECK(kc.clusters.at("shared").value == json{{"server", "https://first:6443"}});  // not merged with the second
  CHECK(kc.clusters.at("only-second").file == second);
  CHECK(kc.current_context == "ctx-b");  // the first non-empty one

  RestConfig rc = load({}, env);
  CHECK(rc.context_name == "ctx-b");
  CHECK(rc.server == "https://only:6443");
  CHECK(rc.token == "first-token");  // user "u" from the first file
  CHECK_FALSE(rc.insecure_skip_tls_verify);
}

TEST_CASE("kubeconfig: the first non-empty current-context wins") {
  TempDir dir;
  std::string a = KubeconfigBuilder().cluster("c", "https://a:1").context("x", "c", "").current("x").write(dir, "a");
  std::string b = KubeconfigBuilder().context("y", "c", "").current("y").write(dir, "b");
  CHECK(load_kubeconfig(kubeconfig_sources({}, env_with({{"KUBECONFIG", a + ":" + b}}))).current_context == "x");
  CHECK(load_kubeconfig(kubeconfig_sources({}, env_with({{"KUBECONFIG", b + ":" + a}}))).current_context == "y");
}

TEST_CASE("kubeconfig: relative paths resolve against the file that defined them") {
  TempDir dir;
  std::string first = KubeconfigBuilder()
                          .context("ctx", "c", "u")
                          .current("ctx")
                          .write(dir, "first/config");
  std::string second = KubeconfigBuilder()
                           .cluster("c", "https://h:6443", {{"certificate-authority", "pki/ca.crt"}})
                           .user("u", {{"client-certificate", "pki/u.crt"},
                                       {"client-key", "/abs/u.key"},
                                       {"tokenFile", "../tok"}})
                           .write(dir, "second/config");
  RestConfig rc = load({}, env_with({{"KUBECONFIG", first + ":" + second}}));
  CHECK(rc.ca_file == dir.path() + "/second/pki/ca.crt");
  CHECK(rc.client_certificate_file == dir.path() + "/second/pki/u.crt");
  CHECK(rc.client_key_file == "/abs/u.key");
  CHECK(rc.token_file == dir.path() + "/second/../tok");
}

TEST_CASE("kubeconfig: an exec command is resolved only when it is a path") {
  TempDir dir;
  auto exec = [](const std::string& command) {
    return json{{"exec",
                 {{"apiVersion", "client.authentication.k8s.io/v1"}, {"command", command}, {"interactiveMode", "Never"}}}};
  };
  std::string path = KubeconfigBuilder()
                         .cluster("c", "https://h:6443")
                         .user("bare", exec("my-plugin"))
                         .user("rel", exec("./bin/my-plugin"))
                         .context("bare", "c", "bare")
                         .context("rel", "c", "rel")
                         .write(dir, "kc");
  ConnectionOptions o = with_kubeconfig(path);
  o.context = "bare";
  CHECK(load(o, env_with({})).exec->command == "my-plugin");
  o.context = "rel";
  CHECK(load(o, env_with({})).exec->command == dir.path() + "/./bin/my-plugin");
}

TEST_CASE("kubeconfig: flags override the files") {
  TempDir dir;
  std::string path = KubeconfigBuilder()
                         .cluster("c1", "https://one:6443", {{"certificate-authority", "/ca1"}})
                         .cluster("c2", "https://two:6443")
                         .user("u1", {{"token", "t1"}, {"as", "someone"}})
                         .user("u2", {{"token", "t2"}})
                         .context("ctx1", "c1", "u1", "ns1")
                         .context("ctx2", "c2", "u2")
                         .current("ctx1")
                         .write(dir, "kc");
  SUBCASE("current context") {
    RestConfig rc = load(with_kubeconfig(path), env_with({}));
    CHECK(rc.server == "https://one:6443");
    CHECK(rc.namespace_name == "ns1");
    CHECK_FALSE(rc.namespace_explicit);
    CHECK(rc.impersonate.user == "someone");
  }
  SUBCASE("--context picks another context; its namespace is default") {
    ConnectionOptions o = with_kubeconfig(path);
    o.context = "ctx2";
    RestConfig rc = load(o, env_with({}));
    CHECK(rc.server == "https://two:6443");
    CHECK(rc.token == "t2");
    CHECK(rc.namespace_name == "default");
  }
  SUBCASE("--cluster and --user replace the context's") {
    ConnectionOptions o = with_kubeconfig(path);
    o.cluster = "c2";
    o.user = "u2";
    RestConfig rc = load(o, env_with({}));
    CHECK(rc.cluster_name == "c2");
    CHECK(rc.server == "https://two:6443");
    CHECK(rc.token == "t2");
    CHECK(rc.namespace_name == "ns1");  // still the context's namespace
  }
  SUBCASE("-n, --server, --token, --as, --insecure-skip-tls-verify") {
    ConnectionOptions o = with_kubeconfig(path);
    o.namespace_name = "flagged";
    o.server = "https://elsewhere:443/";
    o.token = "flag-token";
    o.as = "admin";
    o.as_groups = {"g1", "g2"};
    o.insecure_skip_tls_verify = true;
    RestConfig rc = load(o, env_with({}));
    CHECK(rc.namespace_name == "flagged");
    CHECK(rc.namespace_explicit);
    CHECK(rc.server == "https://elsewhere:443");
    CHECK(rc.token == "flag-token");
    CHECK(rc.impersonate.user == "admin");
    CHECK(rc.impersonate.groups == std::vector<std::string>{"g1", "g2"});
    CHECK(rc.insecure_skip_tls_verify);
    CHECK(rc.ca_file.empty());  // --insecure-skip-tls-verify drops the CA, as kubectl does
  }
  SUBCASE("--certificate-authority replaces certificate-authority-data") {
    ConnectionOptions o = with_kubeconfig(path);
    o.certificate_authority = "/flag/ca.crt";
    RestConfig rc = load(o, env_with({}));
    CHECK(rc.ca_file == "/flag/ca.crt");
    CHECK(rc.ca_data.empty());
  }
}

TEST_CASE("kubeconfig: a server without a scheme gets one like client-go") {
  TempDir dir;
  std::string path = KubeconfigBuilder()
                         .cluster("tls", "h:6443", {{"insecure-skip-tls-verify", true}})
                         .cluster("plain", "h:8080")
                         .context("tls", "tls", "")
                         .context("plain", "plain", "")
                         .write(dir, "kc");
  ConnectionOptions o = with_kubeconfig(path);
  o.context = "tls";
  CHECK(load(o, env_with({})).server == "https://h:6443");
  o.context = "plain";
  CHECK(load(o, env_with({})).server == "http://h:8080");
}

TEST_CASE("kubeconfig: cluster fields - data fields are base64-decoded") {
  TempDir dir;
  std::string path = KubeconfigBuilder()
                         .cluster("c", "https://h:1",
                                  {{"certificate-authority-data", "Q0EtUEVN"}, {"disable-compression", true},
                                   {"proxy-url", "http://proxy:3128"}, {"tls-server-name", "api.internal"}})
                         .user("u", {{"client-certificate-data", "Q0VSVA=="}, {"client-key-data", "S0VZ"}})
                         .context("x", "c", "u")
                         .current("x")
                         .write(dir, "kc");
  RestConfig rc = load(with_kubeconfig(path), env_with({}));
  CHECK(rc.ca_data == "CA-PEM");
  CHECK(rc.client_certificate_data == "CERT");
  CHECK(rc.client_key_data == "KEY");
  CHECK(rc.disable_compression);
  CHECK(rc.proxy_url == "http://proxy:3128");
  CHECK(rc.tls_server_name == "api.internal");
}

TEST_CASE("kubeconfig: bad input is one clear line with kubectl's wording") {
  TempDir dir;
  std::string good = KubeconfigBuilder()
                         .cluster("c", "https://h:6443")
                         .cluster("no-server", "")
                         .user("u", {{"token", "t"}})
                         .user("both", {{"token", "t"}, {"username", "a"}, {"password", "b"}})
                         .user("cert-only", {{"client-certificate", "/c.crt"}})
                         .user("gcp", {{"auth-provider", {{"name", "gcp"}}}})
                         .user("azure", {{"auth-provider", {{"name", "azure"}}}})
                         .user("oidc-empty", {{"auth-provider", {{"name", "oidc"}, {"config", json::object()}}}})
                         .user("exec-v1-no-mode", {{"exec", {{"apiVersion", "client.authentication.k8s.io/v1"},
                                                              {"command", "x"}}}})
                         .user("bad-b64", {{"client-key-data", "***"}})
                         .context("ok", "c", "u")
                         .context("no-server", "no-server", "u")
                         .context("both", "c", "both")
                         .context("cert-only", "c", "cert-only")
                         .context("gcp", "c", "gcp")
                         .context("azure", "c", "azure")
                         .context("oidc-empty", "c", "oidc-empty")
                         .context("exec-v1-no-mode", "c", "exec-v1-no-mode")
                         .context("bad-b64", "c", "bad-b64")
                         .context("missing-cluster", "nope", "u")
                         .write(dir, "kc");
  std::string malformed = dir.write("malformed", "clusters:\n- name: [unclosed\n");
  std::string not_a_map = dir.write("list", "- a\n- b\n");
  struct Case {
    std::string kubeconfig;
    std::string context;
    std::string expected;  // a substring of the one-line message
  };
  std::vector<Case> cases = {
      {good, "nope", "context was not found for specified context: nope"},
      {good, "no-server", "no server found for cluster \"no-server\""},
      {good, "missing-cluster", "cluster \"nope\" was not found for context \"missing-cluster\""},
      {good, "both", "more than one authentication method found for both; found [token basicAuth], only one is allowed"},
      {good, "cert-only", "client-key-data or client-key must be specified for cert-only to use the clientCert authentication method."},
      {good, "gcp", "The gcp auth plugin has been removed. Please use the \"gke-gcloud-auth-plugin\""},
      {good, "azure", "The azure auth plugin has been removed. Please use the https://github.com/Azure/kubelogin"},
      {good, "oidc-empty", "the oidc auth-provider of user \"oidc-empty\" has no id-token"},
      {good, "exec-v1-no-mode", "interactiveMode must be specified for exec-v1-no-mode"},
      {good, "bad-b64", "user \"bad-b64\" client-key-data is not valid base64"},
      {malformed, "", "error loading config file \"" + malformed + "\""},
      {not_a_map, "", "error loading config file \"" + not_a_map + "\": not a kubeconfig"},
      {dir.file("absent"), "", "stat " + dir.file("absent") + ": no such file or directory"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.context);
    ConnectionOptions o = with_kubeconfig(c.kubeconfig);
    o.context = c.context;
    std::string message = error_of([&] { load(o, env_with({})); });
    CHECK(message.find(c.expected) != std::string::npos);
    CHECK(message.find('\n') == std::string::npos);
  }
}

TEST_CASE("kubeconfig: nothing found and not in a cluster says how to fix it") {
  TempDir dir;
  std::string message = error_of([&] { load({}, env_with({{"HOME", dir.path()}})); });
  CHECK(message ==
        "no kubeconfig found and not running in a cluster; pass --kubeconfig, set KUBECONFIG, or create "
        "~/.kube/config");
}

TEST_CASE("kubeconfig: the oidc provider's id-token is the bearer token source") {
  TempDir dir;
  std::string path = KubeconfigBuilder()
                         .cluster("c", "https://h:6443")
                         .user("o", {{"auth-provider",
                                      {{"name", "oidc"}, {"config", {{"id-token", "eyJ.id.token"}, {"client-id", "k"}}}}}})
                         .context("x", "c", "o")
                         .current("x")
                         .write(dir, "kc");
  RestConfig rc = load(with_kubeconfig(path), env_with({}));
  REQUIRE(rc.auth_provider);
  CHECK(rc.auth_provider->config.at("id-token") == "eyJ.id.token");
}

TEST_CASE("kubeconfig: in-cluster configuration when no kubeconfig exists") {
  TempDir home;
  TempDir sa;
  sa.write("token", "sa-token\n");
  sa.write("ca.crt", "CA");
  sa.write("namespace", "apps\n");
  auto env = env_with({{"HOME", home.path()}, {"KUBERNETES_SERVICE_HOST", "10.0.0.1"},
                       {"KUBERNETES_SERVICE_PORT", "443"}},
                      sa.path());
  RestConfig rc = load({}, env);
  CHECK(rc.in_cluster);
  CHECK(rc.server == "https://10.0.0.1:443");
  CHECK(rc.token_file == sa.file("token"));
  CHECK(rc.ca_file == sa.file("ca.crt"));
  CHECK(rc.namespace_name == "apps");
  SUBCASE("-n still wins") {
    ConnectionOptions o;
    o.namespace_name = "other";
    CHECK(load(o, env).namespace_name == "other");
  }
}

TEST_CASE("kubeconfig: --request-timeout accepts kubectl's forms") {
  using ms = std::chrono::milliseconds;
  std::vector<std::pair<std::string, ms>> ok = {
      {"0", ms{0}}, {"", ms{0}}, {"30", ms{30000}}, {"5s", ms{5000}}, {"1m30s", ms{90000}}, {"250ms", ms{250}},
      {"1h", ms{3600000}}, {"1.5s", ms{1500}}, {".5s", ms{500}}, {"007", ms{7000}}, {"9223372036", ms{9223372036000}},
  };
  for (const auto& entry : ok) {
    const std::string& text = entry.first;  // not a structured binding: CAPTURE's lambda takes it (clang 14)
    const ms& value = entry.second;
    CAPTURE(text);
    CHECK(parse_request_timeout(text) == value);
  }
  // Numbers beyond a double's range (found by kubeconfig_fuzz: std::stod threw
  // std::out_of_range and killed the process). Go reads the tiny fraction as 0
  // and refuses the huge number as an overflow.
  CHECK(parse_request_timeout("0." + std::string(400, '0') + "1s") == ms{0});
  CHECK_THROWS_AS(parse_request_timeout("1" + std::string(400, '0') + "s"), grpcmesh::UsageError);
  CHECK_THROWS_AS(parse_request_timeout("1" + std::string(400, '0') + ".5ms"), grpcmesh::UsageError);
  // Not a number as Go reads one, or past Go's largest duration (found by
  // kubeconfig_fuzz: "." ended the command with std::stod's bare message).
  for (std::string bad : {"abc", "5x", "-1s", "s", ".", ".s", "1..5s", "9223372037", "99999999999999999999",
                          "9999999999999999h", "1e3s"}) {
    CAPTURE(bad);
    CHECK_THROWS_AS(parse_request_timeout(bad), grpcmesh::UsageError);
  }
}

TEST_CASE("kubeconfig: a value of the wrong type is an error, as kubectl decodes it") {
  // kubectl's messages for these files (clientcmd decoding into the v1 types).
  TempDir dir;
  const std::string head =
      "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: https://h:6443\n"
      "contexts:\n- name: x\n  context: {cluster: c, user: u}\ncurrent-context: x\n";
  struct Case {
    std::string tail;
    std::string expected;
  };
  std::vector<Case> cases = {
      {"users:\n- name: u\n  user:\n    token: 0x1F\n",
       "json: cannot unmarshal number into Go struct field AuthInfo.users.user.token of type string; quote the value"},
      {"users:\n- name: u\n  user:\n    token: yes\n",
       "json: cannot unmarshal bool into Go struct field AuthInfo.users.user.token of type string; quote the value"},
      {"users:\n- name: u\n  user: {token: t, as-groups: [1]}\n",
       "json: cannot unmarshal number into Go struct field AuthInfo.users.user.as-groups of type string; quote the value"},
      {"users:\n- name: u\n  user: {exec: {command: x, apiVersion: a, env: [{name: a, value: 1}]}}\n",
       "json: cannot unmarshal number into Go struct field ExecEnvVar.users.user.exec.env.value of type string; quote the value"},
      {"users: []\nextra:\n  - insecure\n",  // unknown fields are ignored
       ""},
  };
  for (const Case& c : cases) {
    CAPTURE(c.tail);
    std::string file = dir.write("kc", head + c.tail);
    std::string message = error_of([&] { load_kubeconfig(kubeconfig_sources(with_kubeconfig(file), env_with({}))); });
    if (c.expected.empty()) {
      CHECK(message.empty());
    } else {
      CHECK(message == "error loading config file \"" + file + "\": " + c.expected);
    }
  }
  std::string text = error_of([&] {
    std::string bad = dir.write("bad", "clusters:\n- name: c\n  cluster: {server: s, insecure-skip-tls-verify: \"yes\"}\n"
                                       "current-context: 12\n");
    load_kubeconfig(kubeconfig_sources(with_kubeconfig(bad), env_with({})));
  });
  CHECK(text.ends_with("json: cannot unmarshal string into Go struct field Cluster.clusters.cluster."
                       "insecure-skip-tls-verify of type bool"));
}

TEST_CASE("kubeconfig: invalid UTF-8 is an error, even in a JSON kubeconfig, as in kubectl") {
  // kubectl: error loading config file "kc": yaml: <the same fault>
  TempDir dir;
  struct Case {
    std::string token;
    std::string fault;
  };
  for (const Case& c :
       {Case{"x\xE2\x82y", "invalid trailing UTF-8 octet"}, Case{"\xED\xA0\x80", "invalid Unicode character"}}) {
    CAPTURE(c.fault);
    std::string file = dir.write("kc", "{\"apiVersion\": \"v1\", \"kind\": \"Config\", \"users\": [{\"name\": \"u\", "
                                       "\"user\": {\"token\": \"" + c.token + "\"}}]}\n");
    std::string message = error_of([&] { load_kubeconfig(kubeconfig_sources(with_kubeconfig(file), env_with({}))); });
    CAPTURE(message);
    CHECK(message.starts_with("error loading config file \"" + file + "\": " + file + ":1:"));
    CHECK(message.ends_with("invalid YAML: " + c.fault));
  }
}
