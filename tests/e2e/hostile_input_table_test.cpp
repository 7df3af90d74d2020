// The hostile-input table: one table-driven test of bad input to every
// command, end to end. Manifests, kubeconfigs, certificates, keys and flag
// values go to the plugin as a user would give them; API server responses
// and gRPC servers come from tests/testdata/h2/hostile_server.py, which
// answers every request with one chosen fault (oversized headers, truncated
// bodies, invalid JSON, wrong content types, slow bytes, malformed frames,
// trailers and statuses).
//
// Every case must give one clear line naming the problem ("error: ...", plus
// kubectl's pointer to the help after a usage error; grpcurl's "ERROR:"
// report of a call's status, as grpcurl prints it), the documented exit code,
// no change to the cluster (every object of the kinds the commands write, in
// every namespace, with its resourceVersion, is the same after the case as
// before it), no secret in the output (the token of the kubeconfig in use,
// private key material), and finish within its time bound under a 1 GiB
// address-space limit (RLIMIT_AS, set in the child by prlimit).
#include <doctest/doctest.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "harness.hpp"

namespace {

using namespace std::chrono_literals;
using e2e::contains;

enum class Report {
  kLine,     // "error: ..." on one line
  kUsage,    // "error: ..." and "See '... --help' for usage."
  kGrpcurl,  // grpcurl's "ERROR:\n  Code: X\n  Message: ...\n"
};

struct Case {
  std::string name;
  std::vector<std::string> args;  // the plugin's; {dir} {ns} {addr} {td} are replaced
  int exit_code;
  std::string says;  // what the line must hold
  Report report = Report::kLine;
  std::string server;  // a hostile_server.py mode
  bool tls = false;    // the server speaks TLS
  // Files written in the case's directory ({dir}); "kubeconfig", when
  // present, is the KUBECONFIG (else the control plane's token user's).
  std::map<std::string, std::string> files = {};
  std::chrono::milliseconds bound = 10s;
};

const std::string kToken = "s3cr3t-hostile-token-7f3a9c";

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  for (size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) {
    s.replace(at, from.size(), to);
  }
  return s;
}

std::string repeat(const std::string& s, size_t n) {
  std::string out;
  for (size_t i = 0; i < n; ++i) {
    out += s;
  }
  return out;
}

// A kubeconfig for the server at {url} that trusts {dir}/server.crt.
std::string kubeconfig_for(const std::string& url) {
  return "apiVersion: v1\nkind: Config\ncurrent-context: h\nclusters:\n- name: h\n  cluster:\n    server: " + url +
         "\n    certificate-authority: {dir}/server.crt\nusers:\n- name: h\n  user:\n    token: " + kToken +
         "\ncontexts:\n- name: h\n  context: {cluster: h, user: h, namespace: default}\n";
}

// A kubeconfig whose user part is `user` (YAML, indented by 4), for the real
// API server.
std::string kubeconfig_with_user(const std::string& user) {
  return "apiVersion: v1\nkind: Config\ncurrent-context: h\nclusters:\n- name: h\n  cluster:\n    server: " +
         e2e::cluster("GRPCMESH_SERVER") + "\n    certificate-authority: " + e2e::cluster("GRPCMESH_CA_FILE") +
         "\nusers:\n- name: h\n  user:\n" + user + "contexts:\n- name: h\n  context: {cluster: h, user: h}\n";
}

std::string billion_laughs() {
  std::string s = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: lol\ndata:\n  l0: &l0 [\"lol\"" +
                  repeat(", \"lol\"", 8) + "]\n";
  for (int i = 1; i < 9; ++i) {
    std::string alias = "*l" + std::to_string(i - 1);
    s += "  l" + std::to_string(i) + ": &l" + std::to_string(i) + " [" + alias + repeat(", " + alias, 8) + "]\n";
  }
  return s;
}

// What every command may write, everywhere, with resourceVersions.
std::string cluster_state() {
  auto r = e2e::kubectl({"get",
                         "gateways.networking.istio.io,virtualservices.networking.istio.io,"
                         "destinationrules.networking.istio.io,envoyfilters.networking.istio.io,"
                         "services,secrets,configmaps,namespaces",
                         "-A", "-o",
                         "jsonpath={range .items[*]}{.kind} {.metadata.namespace}/{.metadata.name} "
                         "{.metadata.resourceVersion}{\"\\n\"}{end}"});
  REQUIRE_MESSAGE(r.ok(), r.describe());
  return r.out;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < text.size()) {
    size_t nl = text.find('\n', start);
    if (nl == std::string::npos) {
      out.push_back(text.substr(start));
      break;
    }
    out.push_back(text.substr(start, nl - start));
    start = nl + 1;
  }
  return out;
}

// Certificates made once for the table with the openssl CLI: a server
// certificate for 127.0.0.1 (the hostile servers'), one for the host the
// cases use, a key of another certificate, an encrypted key and a DER copy
// (an expired certificate is tests/testdata/tls's).
struct Material {
  e2e::TempDir dir{"grpcmesh-hostile"};
  std::string path(const std::string& name) const { return (dir.path() / name).string(); }
  std::string key_text;  // a line of the host key's PEM body, which must never be printed

  void openssl(const std::vector<std::string>& args) const {
    std::vector<std::string> argv{"openssl"};
    argv.insert(argv.end(), args.begin(), args.end());
    auto r = e2e::run(argv);
    REQUIRE_MESSAGE(r.ok(), r.describe());
  }
  void self_signed(const std::string& name, const std::string& san, const std::string& days) const {
    openssl({"req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", days,
             "-subj", "/CN=" + name, "-addext", "subjectAltName=" + san, "-keyout", path(name + ".key"), "-out",
             path(name + ".crt")});
  }
  Material() {
    self_signed("server", "IP:127.0.0.1", "1");
    self_signed("host", "DNS:hostile.example.com", "30");
    self_signed("other", "DNS:hostile.example.com", "30");
    self_signed("wrongname", "DNS:elsewhere.example.com", "30");
    openssl({"pkey", "-in", path("host.key"), "-aes256", "-passout", "pass:secret", "-out", path("encrypted.key")});
    openssl({"x509", "-in", path("host.crt"), "-outform", "DER", "-out", path("host.der")});
    const std::string key = e2e::read_file(path("host.key"));
    key_text = lines_of(key).at(1).substr(0, 40);
  }
};

std::vector<Case> table(const Material& m) {
  const std::string host = "hostile.example.com";
  const std::string bad_json = R"({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}} trailing)";
  std::vector<Case> t;
  // ---------------------------------------------------------------- manifests (check -f)
  auto manifest = [&](const std::string& name, const std::string& text, const std::string& says) {
    t.push_back({"manifest: " + name, {"check", "--offline", "-f", "{dir}/m.yaml"}, 1, says, Report::kLine, "", false,
                 {{"m.yaml", text}}, 5s});
  };
  manifest("billion laughs", billion_laughs(), "excessive aliasing");
  manifest("100,000 nested [", repeat("[", 100000), "nested more than 10000 levels deep");
  manifest("100,000 nested JSON arrays", "{\"kind\": \"ConfigMap\", \"data\": " + repeat("[", 100000),
           "nested more than 10000 levels deep");
  manifest("100,000 nested block sequences", repeat("- ", 100000), "nested more than 10000 levels deep");
  // kubectl reads invalid UTF-8 as U+FFFD, unless the file starts with a
  // byte order mark: then YAML refuses it.
  manifest("invalid UTF-8 after a byte order mark",
           "\xEF\xBB\xBF" "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: \xff\xfe\n", "m.yaml:4");
  manifest("binary bytes", std::string("\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16), "m.yaml:");
  manifest("a tab for indentation", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n\tname: x\n", "m.yaml:4");
  manifest("an unclosed quote", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: \"x\n", "m.yaml:");
  manifest("an undefined alias", "apiVersion: v1\nkind: ConfigMap\nmetadata: *nowhere\n", "m.yaml:3");
  manifest("a mapping as a key", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  ? {a: 1}\n  : y\n", "m.yaml:");
  manifest(".inf", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  n: .inf\n", "m.yaml:");
  manifest("a null key", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  ~: y\n", "m.yaml:");
  manifest("a merge key of a scalar", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  <<: 5\n  name: x\n", "m.yaml:");
  manifest("JSON with trailing bytes", bad_json, "m.yaml:");
  manifest("a document that is a string", "just some text\n", "m.yaml:1");
  manifest("an object without kind", "apiVersion: v1\nmetadata:\n  name: x\n", "m.yaml:1");
  manifest("a List of strings", "apiVersion: v1\nkind: List\nitems:\n- a\n- b\n", "m.yaml:");
  manifest("an empty file", "", "m.yaml");
  t.push_back({"manifest: a file that does not exist", {"check", "--offline", "-f", "{dir}/missing.yaml"}, 1,
               "missing.yaml", Report::kLine, "", false, {}, 5s});
  t.push_back({"manifest: a directory without manifests", {"check", "--offline", "-f", "{dir}/empty"}, 1, "empty",
               Report::kLine, "", false, {{"empty/readme.txt", "nothing"}}, 5s});
  // The same reader behind --local of the commands that write.
  t.push_back({"manifest: init --local on an alias bomb",
               {"init", "--host", host, "--local", "-f", "{dir}/m.yaml", "--gateway-namespace", "{ns}", "-o", "yaml"},
               1, "excessive aliasing", Report::kLine, "", false, {{"m.yaml", billion_laughs()}}, 5s});
  t.push_back({"manifest: expose --local on a deep document",
               {"expose", "greeter", "-n", "{ns}", "--host", host, "--local", "-f", "{dir}/m.yaml",
                "--gateway-namespace", "{ns}", "-o", "yaml"},
               1, "nested more than 10000 levels deep", Report::kLine, "", false, {{"m.yaml", repeat("[", 50000)}}, 5s});
  t.push_back({"manifest: stream --local on bad JSON",
               {"stream", "--host", host, "--local", "-f", "{dir}/m.json", "-o", "yaml"}, 1, "m.json:",
               Report::kLine, "", false, {{"m.json", bad_json}}, 5s});
  t.push_back({"manifest: web --local on binary bytes",
               {"web", "--host", host, "--allow-origin", "https://app.example.com", "--local", "-f", "{dir}/m.yaml",
                "-o", "yaml"},
               1, "m.yaml:", Report::kLine, "", false, {{"m.yaml", std::string("\x00\x01\x02\xff", 4)}}, 5s});

  // ---------------------------------------------------------------- kubeconfigs
  auto kubeconfig = [&](const std::string& name, const std::string& text, const std::string& says,
                        std::map<std::string, std::string> more = {}) {
    more["kubeconfig"] = text;
    t.push_back({"kubeconfig: " + name, {"check", "-n", "default", "--request-timeout", "5s"}, 1, says,
                 Report::kLine, "", false, more, 10s});
  };
  kubeconfig("not YAML", "apiVersion: v1\nkind: Config\nclusters: [\n", "kubeconfig");
  kubeconfig("an alias bomb", billion_laughs(), "kubeconfig");
  kubeconfig("token: 0x1F", kubeconfig_with_user("    token: 0x1F\n"), "token");
  kubeconfig("a token that is a list", kubeconfig_with_user("    token: [" + kToken + "]\n"), "token");
  kubeconfig("a current-context that does not exist",
             "apiVersion: v1\nkind: Config\ncurrent-context: nowhere\nusers:\n- name: u\n  user: {token: " + kToken +
                 "}\n",
             "nowhere");
  kubeconfig("a server URL that is not one",
             "apiVersion: v1\nkind: Config\ncurrent-context: h\nclusters:\n- name: h\n  cluster: {server: "
             "\"ht!tp://::bad\"}\nusers:\n- name: h\n  user: {token: " + kToken +
                 "}\ncontexts:\n- name: h\n  context: {cluster: h, user: h}\n",
             "server");
  kubeconfig("certificate-authority-data that is not base64",
             "apiVersion: v1\nkind: Config\ncurrent-context: h\nclusters:\n- name: h\n  cluster: {server: " +
                 e2e::cluster("GRPCMESH_SERVER") + ", certificate-authority-data: \"!!notbase64\"}\nusers:\n- name: "
                 "h\n  user: {token: " + kToken + "}\ncontexts:\n- name: h\n  context: {cluster: h, user: h}\n",
             "certificate-authority-data");
  kubeconfig("a certificate-authority file that does not exist",
             "apiVersion: v1\nkind: Config\ncurrent-context: h\nclusters:\n- name: h\n  cluster: {server: " +
                 e2e::cluster("GRPCMESH_SERVER") + ", certificate-authority: /nonexistent/ca.crt}\nusers:\n- name: "
                 "h\n  user: {token: " + kToken + "}\ncontexts:\n- name: h\n  context: {cluster: h, user: h}\n",
             "/nonexistent/ca.crt");
  kubeconfig("a CA that is not PEM",
             "apiVersion: v1\nkind: Config\ncurrent-context: h\nclusters:\n- name: h\n  cluster: {server: " +
                 e2e::cluster("GRPCMESH_SERVER") + ", certificate-authority: {dir}/ca.crt}\nusers:\n- name: "
                 "h\n  user: {token: " + kToken + "}\ncontexts:\n- name: h\n  context: {cluster: h, user: h}\n",
             "certificate", {{"ca.crt", "not a certificate\n"}});
  kubeconfig("a client key that is not PEM",
             kubeconfig_with_user("    client-certificate: " + m.path("host.crt") + "\n    client-key: {dir}/k.pem\n"),
             "client", {{"k.pem", "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"}});
  kubeconfig("a client key of another certificate",
             kubeconfig_with_user("    client-certificate: " + m.path("host.crt") + "\n    client-key: " +
                                  m.path("other.key") + "\n"),
             "client");
  kubeconfig("an exec plugin given by a relative path",
             kubeconfig_with_user("    exec:\n      apiVersion: client.authentication.k8s.io/v1\n      command: "
                                  "./no-such-plugin\n      interactiveMode: Never\n"),
             "no-such-plugin");
  kubeconfig("an exec plugin that prints garbage",
             kubeconfig_with_user("    exec:\n      apiVersion: client.authentication.k8s.io/v1\n      command: "
                                  "{dir}/plugin.sh\n      interactiveMode: Never\n"),
             "plugin.sh", {{"plugin.sh", "#!/bin/sh\necho 'not json " + kToken + "'\n"}});
  kubeconfig("an exec plugin of another apiVersion",
             kubeconfig_with_user("    exec:\n      apiVersion: client.authentication.k8s.io/v1\n      command: "
                                  "{dir}/plugin.sh\n      interactiveMode: Never\n"),
             "plugin.sh",
             {{"plugin.sh", "#!/bin/sh\necho '{\"apiVersion\":\"client.authentication.k8s.io/v1beta1\",\"kind\":"
                            "\"ExecCredential\",\"status\":{\"token\":\"" + kToken + "\"}}'\n"}});
  kubeconfig("an exec credential with a bad expiry",
             kubeconfig_with_user("    exec:\n      apiVersion: client.authentication.k8s.io/v1\n      command: "
                                  "{dir}/plugin.sh\n      interactiveMode: Never\n"),
             "plugin.sh",
             {{"plugin.sh", "#!/bin/sh\necho '{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":"
                            "\"ExecCredential\",\"status\":{\"token\":\"" + kToken +
                                "\",\"expirationTimestamp\":\"2030-01-01T00:00:00+1:2\"}}'\n"}});
  kubeconfig("the gcp auth-provider", kubeconfig_with_user("    auth-provider:\n      name: gcp\n"), "gcp");
  kubeconfig("a proxy-url that is not a URL",
             "apiVersion: v1\nkind: Config\ncurrent-context: h\nclusters:\n- name: h\n  cluster: {server: " +
                 e2e::cluster("GRPCMESH_SERVER") + ", proxy-url: \"::no proxy\"}\nusers:\n- name: h\n  user: "
                 "{token: " + kToken + "}\ncontexts:\n- name: h\n  context: {cluster: h, user: h}\n",
             "proxy");
  t.push_back({"kubeconfig: --kubeconfig names a directory",
               {"check", "-n", "default", "--kubeconfig", "{dir}/d"}, 1, "{dir}/d", Report::kLine, "", false,
               {{"d/x", "x"}}, 5s});
  t.push_back({"kubeconfig: --kubeconfig names a file that does not exist",
               {"init", "--host", host, "--kubeconfig", "{dir}/missing"}, 1, "missing", Report::kLine, "", false, {},
               5s});

  // ---------------------------------------------------------------- certificates and keys (tls, init, grpcurl)
  auto tls_case = [&](const std::string& name, const std::string& cert, const std::string& key,
                      const std::string& says, std::map<std::string, std::string> files = {},
                      const std::string& for_host = "hostile.example.com") {
    t.push_back({"certificate: " + name,
                 {"tls", "--host", for_host, "--cert", cert, "--key", key, "--gateway-namespace", "{ns}"}, 1, says,
                 Report::kLine, "", false, files, 10s});
  };
  tls_case("a certificate file of garbage", "{dir}/c.crt", m.path("host.key"), "c.crt",
           {{"c.crt", "garbage\n"}});
  tls_case("an empty certificate file", "{dir}/c.crt", m.path("host.key"), "c.crt", {{"c.crt", ""}});
  tls_case("a DER certificate", m.path("host.der"), m.path("host.key"), "host.der");
  tls_case("a key of another certificate", m.path("host.crt"), m.path("other.key"), "other.key");
  tls_case("an encrypted key", m.path("host.crt"), m.path("encrypted.key"), "encrypted.key");
  tls_case("the certificate given as the key", m.path("host.crt"), m.path("host.crt"), "host.crt");
  tls_case("an expired certificate", "{td}/tls/expired.example.com.crt", "{td}/tls/expired.example.com.key", "expired",
           {}, "expired.example.com");
  tls_case("a certificate for another name", m.path("wrongname.crt"), m.path("wrongname.key"), host);
  tls_case("a certificate file that does not exist", "{dir}/none.crt", m.path("host.key"), "none.crt");
  tls_case("a truncated certificate", "{dir}/c.crt", m.path("host.key"), "c.crt",
           {{"c.crt", e2e::read_file(m.path("host.crt")).substr(0, 200)}});
  tls_case("a key with a broken body", m.path("host.crt"), "{dir}/k.key", "k.key",
           {{"k.key", "-----BEGIN PRIVATE KEY-----\n" + repeat("QUFB", 20) + "\n-----END PRIVATE KEY-----\n"}});
  t.push_back({"certificate: tls --ca of garbage",
               {"tls", "--host", host, "--cert", m.path("host.crt"), "--key", m.path("host.key"), "--ca", "{dir}/ca.crt",
                "--gateway-namespace", "{ns}"},
               1, "ca.crt", Report::kLine, "", false, {{"ca.crt", "-----BEGIN CERTIFICATE-----\n!!!\n"}}, 10s});
  t.push_back({"certificate: init --client-ca of garbage",
               {"init", "--host", host, "--client-ca", "{dir}/ca.crt", "--gateway-namespace", "{ns}"}, 1, "ca.crt",
               Report::kLine, "", false, {{"ca.crt", "garbage"}}, 10s});
  t.push_back({"certificate: grpcurl -cacert of garbage",
               {"grpcurl", "-cacert", "{dir}/ca.crt", "{addr}", "list"}, 1, "ca.crt", Report::kLine,
               "grpc-error-status", true, {{"ca.crt", "garbage"}}, 10s});
  t.push_back({"certificate: grpcurl -cert with another certificate's -key",
               {"grpcurl", "-insecure", "-cert", m.path("host.crt"), "-key", m.path("other.key"), "{addr}", "list"}, 1,
               "-key", Report::kLine, "grpc-error-status", true, {}, 10s});

  // ---------------------------------------------------------------- flag values
  auto flag = [&](const std::vector<std::string>& args, int code, const std::string& says) {
    std::string name = "flag:";
    for (const auto& a : args) {
      name += " " + a;
    }
    t.push_back({name, args, code, says, code == 2 ? Report::kUsage : Report::kLine, "", false, {}, 5s});
  };
  flag({"init", "--host", "bad..host", "--gateway-namespace", "{ns}"}, 1, "bad..host");
  flag({"init", "--host", "", "--gateway-namespace", "{ns}"}, 1, "invalid host");
  flag({"init", "--host", host, "--https-port", "70000", "--gateway-namespace", "{ns}"}, 2, "70000");
  flag({"init", "--host", host, "--plaintext-port", "abc"}, 2, "abc");
  flag({"init", "--host", host, "--dry-run=maybe"}, 2, "maybe");
  flag({"init", "--host", host, "-o", "wide", "--dry-run=client", "--gateway-namespace", "{ns}"}, 2, "wide");
  flag({"init", "--host", host, "--selector", "a=b=c", "--gateway-namespace", "{ns}"}, 2, "a=b=c");
  flag({"expose", "greeter", "-n", "{ns}", "--host", host, "--port", "abc"}, 2, "abc");
  flag({"expose", "greeter", "-n", "{ns}", "--host", host, "--retries", "-5"}, 2, "-5");
  flag({"expose", "greeter", "-n", "{ns}", "--host", host, "--retry-on", "sometimes"}, 2, "sometimes");
  flag({"expose", "greeter", "-n", "{ns}", "--host", host, "--per-try-timeout", "1parsec"}, 2, "1parsec");
  flag({"expose", "greeter", "-n", "{ns}", "--host", host, "--protoset", "/nonexistent.protoset"}, 1,
       "/nonexistent.protoset");
  flag({"expose", "greeter", "-n", "{ns}", "--host", host, "--gateway", "no-slash"}, 2, "no-slash");
  flag({"expose", "greeter", "-n", "Bad_Namespace", "--host", host}, 1, "Bad_Namespace");
  flag({"stream", "--host", host, "--idle-timeout", "abc"}, 2, "abc");
  flag({"stream", "--host", host, "--timeout", "0s"}, 1, "0s");
  flag({"stream", "--host", host, "--keepalive-probes", "-1"}, 1, "--keepalive-probes");
  flag({"stream", "--host", host, "--backend", "noslash"}, 1, "noslash");
  flag({"stream", "--host", host, "--max-connection-duration", "99999999999999h"}, 2, "99999999999999h\": not a duration");
  flag({"web", "--host", host, "--allow-origin", "not a url"}, 1, "not a url");
  flag({"web", "--host", host, "--allow-origin-regex", "("}, 1, "not a regular expression");
  flag({"web", "--host", host, "--allow-origin", "https://app.example.com", "--max-age", "forever"}, 2, "forever");
  flag({"check", "--offline", "-f", "-", "--fail-on", "sometimes"}, 2, "sometimes");
  flag({"check", "--offline", "-f", "-", "-o", "xml"}, 2, "xml");
  flag({"check", "-n", "default", "--request-timeout", "abc"}, 2, "abc");
  flag({"grpcurl", "-max-time", "abc", "127.0.0.1:1", "list"}, 2, "abc");
  flag({"grpcurl", "-plaintext", "-H", "no-colon", "127.0.0.1:1", "list"}, 2, "no-colon");
  flag({"grpcurl", "-plaintext", "-proto", "/nonexistent.proto", "127.0.0.1:1", "list"}, 1, "/nonexistent.proto");
  flag({"grpcurl", "-plaintext", "-import-path", "{td}/grpc/protos", "-proto", "shapes/v1/shapes.proto", "-d",
        "{bad json", "127.0.0.1:1", "shapes.v1.Shapes/Get"},
       1, "error getting request data");
  flag({"grpcurl", "-plaintext", "::::", "list"}, 1, "::::");
  flag({"completion", "powershell"}, 2, "powershell");
  flag({"version", "--bogus"}, 2, "--bogus");
  flag({"frobnicate"}, 2, "frobnicate");

  // ---------------------------------------------------------------- API server responses
  auto api = [&](const std::string& mode, bool tls, std::vector<std::string> args, const std::string& says) {
    args.insert(args.end(), {"--request-timeout", "2s"});
    t.push_back({"API server: " + mode, args, 1, says, Report::kLine, mode, tls,
                 {{"kubeconfig", kubeconfig_for(tls ? "https://{addr}" : "http://{addr}")}}, 15s});
  };
  // HTTP/1.1 (libcurl)
  api("http1-oversized-headers", false, {"check", "-n", "default"}, "Too large response headers");
  api("http1-truncated-body", false, {"init", "--host", host}, "bytes remaining to read");
  api("http1-invalid-json", false, {"expose", "greeter", "--host", host}, "not JSON");
  api("http1-wrong-content-type", false, {"stream", "--host", host}, "not JSON");
  api("http1-slow-bytes", false, {"web", "--host", host, "--allow-origin", "https://app.example.com"},
      "timed out");
  api("http1-empty-reply", false, {"tls", "--host", host, "--self-signed"}, "Empty reply from server");
  api("http1-not-http", false, {"check", "-n", "default"}, "HTTP/0.9");
  api("http1-html-500", false, {"init", "--host", host}, "status code 500");
  api("http1-unauthorized-text", false, {"check", "-n", "default"}, "Unauthorized");
  api("http1-deep-json", false, {"expose", "greeter", "--host", host}, "not JSON");
  api("http1-status-garbage", false, {"check", "-n", "default"}, "Unsupported HTTP version");
  // HTTP/2 over TLS (the native transport)
  api("h2-truncated-body", true, {"check", "-n", "default"}, "unexpected eof");
  api("h2-invalid-json", true, {"init", "--host", host}, "not JSON");
  api("h2-wrong-content-type", true, {"expose", "greeter", "--host", host}, "not JSON");
  api("h2-slow-bytes", true, {"stream", "--host", host}, "timed out");
  api("h2-reset", true, {"web", "--host", host, "--allow-origin", "https://app.example.com"},
      "reset the stream");
  api("h2-goaway", true, {"tls", "--host", host, "--self-signed"}, "reset the stream");
  api("h2-garbage-frames", true, {"check", "-n", "default"}, "HTTP/2 protocol error");
  api("h2-bad-gzip", true, {"check", "-n", "default"}, "gzip body that does not inflate");
  api("h2-oversized-frame", true, {"init", "--host", host}, "FRAME_SIZE_ERROR");
  api("h2-status-500-html", true, {"check", "-n", "default"}, "status code 500");

  // istiod's debug port answered by the same faulty servers: check --deep
  // reads --istiod-address with its own HTTP/1.0 client.
  auto istiod = [&](const std::string& mode, const std::string& says) {
    t.push_back({"istiod: " + mode,
                 {"check", "-n", "{ns}", "--deep", "--istiod-address", "{addr}", "--request-timeout", "2s"},
                 1, says, Report::kLine, mode, false, {}, 15s});
  };
  istiod("http1-oversized-headers", "headers are longer than 64 KiB");
  istiod("http1-truncated-body", "the connection closed after");
  istiod("http1-not-http", "is it istiod's debug port?");
  istiod("http1-slow-bytes", "--request-timeout");

  // ---------------------------------------------------------------- gRPC servers
  auto grpc = [&](const std::string& mode, int code, const std::string& says, Report report = Report::kGrpcurl,
                  std::vector<std::string> wire = {}) {
    std::vector<std::string> args{"grpcurl", "-plaintext", "-max-time", "3", "-import-path", "{td}/grpc/protos",
                                  "-proto", "shapes/v1/shapes.proto", "-d", "{}"};
    args.insert(args.end(), wire.begin(), wire.end());
    args.insert(args.end(), {"{addr}", "shapes.v1.Shapes/Get"});
    t.push_back({"gRPC server: " + mode, args, code, says, report, mode, false, {}, 10s});
  };
  grpc("grpc-bad-length", 64 + 13, "unexpected EOF");
  grpc("grpc-huge-message", 64 + 8, "larger than max");
  grpc("grpc-compressed-unannounced", 64 + 13, "no compression was agreed");
  grpc("grpc-bad-flag", 64 + 13, "unexpected payload format");
  grpc("grpc-status-garbage", 64 + 13, "malformed grpc-status");
  grpc("grpc-no-status", 64 + 13, "without sending trailers");
  grpc("grpc-http-500", 64 + 2, "HTTP 500");
  grpc("grpc-wrong-content-type", 64 + 2, "unexpected content-type");
  grpc("grpc-reset", 64 + 13, "RST_STREAM");
  grpc("grpc-goaway", 64 + 14, "REFUSED_STREAM");
  grpc("grpc-garbage", 1, "HTTP/2 protocol error", Report::kLine);
  grpc("grpc-bad-message", 1, "not a valid shapes.v1.Shape", Report::kLine);
  grpc("grpc-error-status", 64 + 13, "broken on purpose");
  grpc("grpc-slow-bytes", 64 + 4, "Deadline Exceeded");
  grpc("grpc-data-on-closed-stream", 64 + 13, "without sending trailers");
  // gRPC-Web over HTTP/1.1
  grpc("http1-web-bad-padding", 64 + 13, "not valid base64", Report::kGrpcurl, {"--web-text"});
  grpc("http1-web-truncated-frame", 64 + 2, "without a grpc-status", Report::kGrpcurl, {"--web"});
  grpc("http1-web-no-trailers", 64 + 2, "without a grpc-status", Report::kGrpcurl, {"--web"});
  grpc("http1-web-bare-lf-trailers", 64 + 9, "precondition failed", Report::kGrpcurl, {"--web"});
  grpc("http1-web-wrong-content-type", 64 + 2, "grpc-status", Report::kGrpcurl, {"--web"});
  grpc("http1-web-huge-frame", 64 + 8, "larger than max", Report::kGrpcurl, {"--web"});
  return t;
}

struct Server {
  std::unique_ptr<e2e::Background> proc;
  std::string address;
  Server(const std::string& mode, bool tls, const Material& m) {
    std::vector<std::string> argv{"python3", (e2e::source_dir() / "tests/testdata/h2/hostile_server.py").string(),
                                  mode};
    if (tls) {
      argv.insert(argv.end(), {"--tls-cert", m.path("server.crt"), "--tls-key", m.path("server.key")});
    }
    proc = std::make_unique<e2e::Background>(argv);
    address = proc->wait_for_line("listening on ").substr(13);
  }
};

}  // namespace

TEST_CASE("hostile input: every command refuses bad input in one line, changes nothing, leaks nothing") {
  const Material m;
  const std::string ns = e2e::create_namespace("hostile");
  // A Service for expose to find, so that only the bad input stops it.
  auto svc = e2e::apply_yaml("apiVersion: v1\nkind: Service\nmetadata:\n  name: greeter\n  namespace: " + ns +
                             "\nspec:\n  ports:\n  - {name: grpc, port: 50051}\n");
  REQUIRE_MESSAGE(svc.ok(), svc.describe());
  const std::vector<Case> cases = table(m);
  const std::string token = e2e::cluster("GRPCMESH_TOKEN");
  const std::string td = (e2e::source_dir() / "tests/testdata").string();
  std::string before = cluster_state();
  size_t passed = 0;
  for (const Case& c : cases) {
    e2e::TempDir dir("grpcmesh-hostile-case");
    const std::string d = dir.path().string();
    std::optional<Server> server;
    if (!c.server.empty()) {
      server.emplace(c.server, c.tls, m);
    }
    auto fill = [&](std::string s) {
      s = replace_all(s, "{dir}", d);
      s = replace_all(s, "{ns}", ns);
      s = replace_all(s, "{td}", td);
      return replace_all(s, "{addr}", server ? server->address : "127.0.0.1:1");
    };
    for (const auto& [name, text] : c.files) {
      auto path = dir.write(name, fill(text));
      if (name.ends_with(".sh")) {
        std::filesystem::permissions(path, std::filesystem::perms::owner_all);
      }
    }
    dir.write("server.crt", e2e::read_file(m.path("server.crt")));
    std::vector<std::string> argv{"prlimit", "--as=1073741824", "--", e2e::plugin_path().string()};
    for (const auto& a : c.args) {
      argv.push_back(fill(a));
    }
    e2e::RunOptions options;
    options.env = {{"HOME", d},
                   {"KUBECONFIG", c.files.count("kubeconfig") ? d + "/kubeconfig"
                                                              : e2e::cluster("GRPCMESH_TOKEN_KUBECONFIG")}};
    options.cwd = dir.path();
    options.timeout = c.bound + 20s;
    const auto start = std::chrono::steady_clock::now();
    const e2e::Result r = e2e::run(argv, options);
    const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
    std::string failed;
    auto check = [&](bool condition, const std::string& what) {
      if (!condition) {
        failed += (failed.empty() ? "" : ", ") + what;
      }
    };
    const std::string says = fill(c.says);
    const auto lines = lines_of(r.err);
    check(!r.timed_out, "finished");
    check(r.exit_code == c.exit_code, "the documented exit code");
    check(took <= c.bound, "within its time bound");
    check(r.err.ends_with("\n"), "stderr ends with a newline");
    switch (c.report) {
      case Report::kLine:
        check(lines.size() == 1 && lines[0].starts_with("error: ") && contains(lines[0], says),
              "one line, naming the problem");
        break;
      case Report::kUsage:
        check(lines.size() == 2 && lines[0].starts_with("error: ") && contains(lines[0], says) &&
                  lines[1].starts_with("See '") && lines[1].ends_with(" for usage."),
              "one line naming the problem, then the help to read");
        break;
      case Report::kGrpcurl:
        check(lines.size() == 3 && lines[0] == "ERROR:" && lines[1].starts_with("  Code: ") &&
                  lines[2].starts_with("  Message: ") && contains(lines[2], says),
              "grpcurl's report, naming the problem");
        break;
    }
    for (const std::string& secret : {kToken, token, m.key_text}) {
      check(!contains(r.out, secret) && !contains(r.err, secret), "no secret in the output");
    }
    const std::string after = cluster_state();
    check(after == before, "no change to the cluster");
    before = after;
    if (failed.empty()) {
      ++passed;
    } else {
      FAIL_CHECK(c.name << ": not " << failed << " (" << took.count() << " ms)\n" << r.describe());
    }
  }
  MESSAGE("hostile-input table: " << passed << " of " << cases.size() << " cases passed");
  std::printf("hostile-input table: %zu cases, %zu passed\n", cases.size(), passed);
  CHECK(cases.size() >= 80);
  CHECK(passed == cases.size());
}
