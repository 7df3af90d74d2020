#include "core/kube/rest_config.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>

#include "core/kube/encoding.hpp"
#include "core/util/files.hpp"
#include "core/kube/kubeconfig.hpp"
#include "core/util/error.hpp"

namespace grpcmesh::kube {
namespace {

using nlohmann::json;

std::string str(const json& obj, const char* key) {
  if (!obj.is_object() || !obj.contains(key) || !obj[key].is_string()) {
    return {};
  }
  return obj[key].get<std::string>();
}

bool boolean(const json& obj, const char* key) {
  return obj.is_object() && obj.contains(key) && obj[key].is_boolean() && obj[key].get<bool>();
}

std::string decode(const json& obj, const char* key, const std::string& what) {
  std::string encoded = str(obj, key);
  if (encoded.empty()) {
    return {};
  }
  auto decoded = base64_decode(encoded);
  if (!decoded) {
    throw Error(fmt::format("{} {} is not valid base64; re-encode it with `base64 -w0`", what, key));
  }
  return *decoded;
}

void apply_cluster(RestConfig& rc, const KubeconfigEntry& entry) {
  const json& c = entry.value;
  std::string what = fmt::format("cluster \"{}\"", rc.cluster_name);
  rc.server = str(c, "server");
  rc.tls_server_name = str(c, "tls-server-name");
  rc.insecure_skip_tls_verify = boolean(c, "insecure-skip-tls-verify");
  rc.ca_file = resolve_path(str(c, "certificate-authority"), entry.dir);
  rc.ca_data = decode(c, "certificate-authority-data", what);
  rc.proxy_url = str(c, "proxy-url");
  rc.disable_compression = boolean(c, "disable-compression");
}

void apply_user(RestConfig& rc, const KubeconfigEntry& entry) {
  const json& u = entry.value;
  std::string what = fmt::format("user \"{}\"", rc.user_name);
  rc.client_certificate_file = resolve_path(str(u, "client-certificate"), entry.dir);
  rc.client_certificate_data = decode(u, "client-certificate-data", what);
  rc.client_key_file = resolve_path(str(u, "client-key"), entry.dir);
  rc.client_key_data = decode(u, "client-key-data", what);
  rc.token = str(u, "token");
  rc.token_file = resolve_path(str(u, "tokenFile"), entry.dir);
  rc.username = str(u, "username");
  rc.password = str(u, "password");
  rc.impersonate.user = str(u, "as");
  rc.impersonate.uid = str(u, "as-uid");
  if (u.contains("as-groups") && u["as-groups"].is_array()) {
    for (const auto& g : u["as-groups"]) {
      if (g.is_string()) {
        rc.impersonate.groups.push_back(g.get<std::string>());
      }
    }
  }
  if (u.contains("as-user-extra") && u["as-user-extra"].is_object()) {
    for (const auto& [k, values] : u["as-user-extra"].items()) {
      for (const auto& v : values) {
        if (v.is_string()) {
          rc.impersonate.extra[k].push_back(v.get<std::string>());
        }
      }
    }
  }
  if (u.contains("exec") && u["exec"].is_object()) {
    const json& e = u["exec"];
    ExecConfig ex;
    ex.api_version = str(e, "apiVersion");
    ex.command = str(e, "command");
    // client-go resolves the command against the kubeconfig only when it is a path.
    if (ex.command.find('/') != std::string::npos) {
      ex.command = resolve_path(ex.command, entry.dir);
    }
    if (e.contains("args") && e["args"].is_array()) {
      for (const auto& a : e["args"]) {
        ex.args.push_back(a.is_string() ? a.get<std::string>() : a.dump());
      }
    }
    if (e.contains("env") && e["env"].is_array()) {
      for (const auto& v : e["env"]) {
        ex.env.emplace_back(str(v, "name"), str(v, "value"));
      }
    }
    ex.install_hint = str(e, "installHint");
    ex.provide_cluster_info = boolean(e, "provideClusterInfo");
    if (std::string mode = str(e, "interactiveMode"); !mode.empty()) {
      ex.interactive_mode = mode;
    }
    if (ex.command.empty()) {
      throw Error(fmt::format("exec plugin of {} has no command; set users[].user.exec.command", what));
    }
    if (ex.api_version != "client.authentication.k8s.io/v1" && ex.api_version != "client.authentication.k8s.io/v1beta1") {
      throw Error(fmt::format(
          "exec plugin of {}: apiVersion \"{}\" is not supported; use client.authentication.k8s.io/v1 or v1beta1",
          what, ex.api_version));
    }
    if (ex.api_version == "client.authentication.k8s.io/v1" && str(e, "interactiveMode").empty()) {
      throw Error(fmt::format("exec plugin of {}: interactiveMode must be specified for {} to use exec "
                              "authentication plugin",
                              what, rc.user_name));
    }
    if (ex.interactive_mode != "Never" && ex.interactive_mode != "IfAvailable" && ex.interactive_mode != "Always") {
      throw Error(fmt::format("exec plugin of {}: invalid interactiveMode \"{}\"; use Never, IfAvailable or Always",
                              what, ex.interactive_mode));
    }
    rc.exec = std::move(ex);
  }
  if (u.contains("auth-provider") && u["auth-provider"].is_object()) {
    const json& p = u["auth-provider"];
    AuthProviderConfig ap;
    ap.name = str(p, "name");
    if (p.contains("config") && p["config"].is_object()) {
      for (const auto& [k, v] : p["config"].items()) {
        if (v.is_string()) {
          ap.config[k] = v.get<std::string>();
        }
      }
    }
    if (ap.name == "gcp") {
      throw Error(
          "The gcp auth plugin has been removed. Please use the \"gke-gcloud-auth-plugin\" kubectl/client-go "
          "credential plugin instead. See https://cloud.google.com/blog/products/containers-kubernetes/"
          "kubectl-auth-changes-in-gke for further details");
    }
    if (ap.name == "azure") {
      throw Error(
          "The azure auth plugin has been removed. Please use the https://github.com/Azure/kubelogin "
          "kubectl/client-go credential plugin instead. See https://kubernetes.io/docs/reference/"
          "access-authn-authz/authentication/#client-go-credential-plugins for further details");
    }
    if (ap.name != "oidc") {
      throw Error(fmt::format("no Auth Provider found for name \"{}\" ({}); use an exec credential plugin", ap.name,
                              what));
    }
    if (ap.config["id-token"].empty()) {
      throw Error(fmt::format("the oidc auth-provider of {} has no id-token; log in again with your OIDC helper "
                              "(for example `kubectl oidc-login`)",
                              what));
    }
    rc.auth_provider = std::move(ap);
  }
}

// client-go: a host without a scheme gets https when TLS is configured.
std::string normalize_server(std::string server, bool tls) {
  while (!server.empty() && server.back() == '/') {
    server.pop_back();
  }
  if (server.find("://") == std::string::npos) {
    server = (tls ? "https://" : "http://") + server;
  }
  return server;
}

std::optional<RestConfig> in_cluster(const Environment& env) {
  auto host = env.get("KUBERNETES_SERVICE_HOST");
  auto port = env.get("KUBERNETES_SERVICE_PORT");
  if (!host || !port || host->empty() || port->empty()) {
    return std::nullopt;
  }
  std::string token_file = env.service_account_dir + "/token";
  std::error_code ec;
  if (!std::filesystem::exists(token_file, ec)) {
    return std::nullopt;
  }
  RestConfig rc;
  rc.in_cluster = true;
  std::string h = host->find(':') != std::string::npos ? "[" + *host + "]" : *host;
  rc.server = "https://" + h + ":" + *port;
  rc.token_file = token_file;
  rc.ca_file = env.service_account_dir + "/ca.crt";
  if (auto ns = util::read_file(env.service_account_dir + "/namespace")) {
    std::string n = *ns;
    while (!n.empty() && std::isspace(static_cast<unsigned char>(n.back()))) {
      n.pop_back();
    }
    if (!n.empty()) {
      rc.namespace_name = n;
    }
  }
  return rc;
}

}  // namespace

std::string RestConfig::server_host() const {
  std::string s = server;
  auto scheme = s.find("://");
  if (scheme != std::string::npos) {
    s = s.substr(scheme + 3);
  }
  auto slash = s.find('/');
  if (slash != std::string::npos) {
    s = s.substr(0, slash);
  }
  return s;
}

std::chrono::milliseconds parse_request_timeout(const std::string& value) {
  if (value.empty() || value == "0") {
    return std::chrono::milliseconds{0};
  }
  auto bad = [&] {
    return UsageError(fmt::format(
        "invalid --request-timeout \"{}\": use a number of seconds or a duration such as 30s, 1m, 250ms", value));
  };
  // Go's durations end at 2^63 - 1 ns, about 9223372036 s; past that
  // time.ParseDuration fails, and so does kubectl.
  constexpr double kMaxMs = 9223372036854.775807;
  if (std::all_of(value.begin(), value.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); })) {
    const std::string digits = value.substr(std::min(value.find_first_not_of('0'), value.size()));
    if (digits.size() > 10 || (!digits.empty() && std::stoll(digits) > 9223372036LL)) {
      throw bad();
    }
    return std::chrono::milliseconds{digits.empty() ? 0 : std::stoll(digits) * 1000};
  }
  double total_ms = 0;
  size_t i = 0;
  while (i < value.size()) {
    size_t start = i;
    int digits = 0;
    int dots = 0;
    while (i < value.size() && (std::isdigit(static_cast<unsigned char>(value[i])) || value[i] == '.')) {
      (value[i] == '.' ? dots : digits) += 1;
      ++i;
    }
    // A number as Go reads it: digits, at most one '.', not the '.' alone.
    if (digits == 0 || dots > 1) {
      throw bad();
    }
    // strtod, not std::stod: a number too large or too small for a double is
    // not an exception here. Go ends a too-long duration at the limit check
    // below and reads a fraction too small to count as 0.
    const std::string text = value.substr(start, i - start);
    double number = std::strtod(text.c_str(), nullptr);
    size_t unit_start = i;
    while (i < value.size() && std::isalpha(static_cast<unsigned char>(value[i]))) {
      ++i;
    }
    std::string unit = value.substr(unit_start, i - unit_start);
    if (unit == "h") {
      total_ms += number * 3600000;
    } else if (unit == "m") {
      total_ms += number * 60000;
    } else if (unit == "s") {
      total_ms += number * 1000;
    } else if (unit == "ms") {
      total_ms += number;
    } else if (unit == "us" || unit == "µs") {
      total_ms += number / 1000;
    } else if (unit == "ns") {
      total_ms += number / 1e6;
    } else {
      throw bad();
    }
    if (total_ms > kMaxMs) {
      throw bad();
    }
  }
  return std::chrono::milliseconds{static_cast<long long>(total_ms)};
}

RestConfig load_rest_config(const ConnectionOptions& o, const Environment& env) {
  KubeconfigSources sources = kubeconfig_sources(o, env);
  Kubeconfig kc = load_kubeconfig(sources);
  RestConfig rc;

  bool empty_config = kc.clusters.empty() && kc.users.empty() && kc.contexts.empty() && kc.current_context.empty();
  std::optional<RestConfig> cluster_rc;
  if (empty_config && !sources.required && o.context.empty() && o.cluster.empty() && o.user.empty()) {
    cluster_rc = in_cluster(env);
  }
  if (cluster_rc) {
    rc = std::move(*cluster_rc);
  } else {
    rc.context_name = o.context.empty() ? kc.current_context : o.context;
    json context = json::object();
    if (!rc.context_name.empty()) {
      auto it = kc.contexts.find(rc.context_name);
      if (it == kc.contexts.end()) {
        throw Error(fmt::format("context was not found for specified context: {} (no context \"{}\" exists in the "
                                "kubeconfig; list them with `kubectl config get-contexts`)",
                                rc.context_name, rc.context_name));
      }
      context = it->second.value;
    }
    rc.cluster_name = o.cluster.empty() ? str(context, "cluster") : o.cluster;
    rc.user_name = o.user.empty() ? str(context, "user") : o.user;
    if (std::string ns = str(context, "namespace"); !ns.empty()) {
      rc.namespace_name = ns;
    }
    if (!rc.cluster_name.empty()) {
      auto it = kc.clusters.find(rc.cluster_name);
      if (it == kc.clusters.end()) {
        if (o.server.empty()) {
          throw Error(fmt::format("cluster \"{}\" was not found{}; check --cluster or the context's cluster",
                                  rc.cluster_name,
                                  rc.context_name.empty() ? "" : fmt::format(" for context \"{}\"", rc.context_name)));
        }
      } else {
        apply_cluster(rc, it->second);
      }
    }
    if (!rc.user_name.empty()) {
      auto it = kc.users.find(rc.user_name);
      if (it == kc.users.end()) {
        if (!o.user.empty()) {
          throw Error(fmt::format("user \"{}\" does not exist in the kubeconfig; check --user", rc.user_name));
        }
        // client-go tolerates a context naming a missing user (anonymous).
      } else {
        apply_user(rc, it->second);
      }
    }
  }

  // Flags override what the files said.
  if (!o.server.empty()) {
    rc.server = o.server;
  }
  if (!o.certificate_authority.empty()) {
    rc.ca_file = o.certificate_authority;
    rc.ca_data.clear();
  }
  if (o.insecure_skip_tls_verify) {
    rc.insecure_skip_tls_verify = true;
    rc.ca_file.clear();
    rc.ca_data.clear();
  }
  if (!o.tls_server_name.empty()) {
    rc.tls_server_name = o.tls_server_name;
  }
  if (!o.client_certificate.empty()) {
    rc.client_certificate_file = o.client_certificate;
    rc.client_certificate_data.clear();
  }
  if (!o.client_key.empty()) {
    rc.client_key_file = o.client_key;
    rc.client_key_data.clear();
  }
  if (!o.token.empty()) {
    rc.token = o.token;
    rc.token_file.clear();
    rc.exec.reset();
    rc.auth_provider.reset();
  }
  if (!o.as.empty()) {
    rc.impersonate.user = o.as;
  }
  if (!o.as_groups.empty()) {
    rc.impersonate.groups = o.as_groups;
  }
  if (!o.as_uid.empty()) {
    rc.impersonate.uid = o.as_uid;
  }
  if (!o.namespace_name.empty()) {
    rc.namespace_name = o.namespace_name;
    rc.namespace_explicit = true;
  }
  rc.request_timeout = parse_request_timeout(o.request_timeout);
  rc.disable_compression = rc.disable_compression || o.disable_compression;
  rc.verbosity = o.verbosity;

  // Validation, with client-go's wording where it has one.
  if (rc.server.empty()) {
    if (kc.files.empty() && !rc.in_cluster) {
      throw Error(
          "no kubeconfig found and not running in a cluster; pass --kubeconfig, set KUBECONFIG, or create "
          "~/.kube/config");
    }
    if (rc.cluster_name.empty()) {
      throw Error("no context is selected (current-context is not set); pass --context or run `kubectl config "
                  "use-context NAME`");
    }
    throw Error(fmt::format("no server found for cluster \"{}\"", rc.cluster_name));
  }
  bool tls_configured = !rc.ca_file.empty() || !rc.ca_data.empty() || rc.insecure_skip_tls_verify ||
                        !rc.client_certificate_file.empty() || !rc.client_certificate_data.empty();
  rc.server = normalize_server(rc.server, tls_configured);
  if (rc.insecure_skip_tls_verify && (!rc.ca_file.empty() || !rc.ca_data.empty())) {
    throw Error(fmt::format("specifying a root certificates file with the insecure flag is not allowed (cluster "
                            "\"{}\"); remove one of them",
                            rc.cluster_name));
  }
  bool has_cert = !rc.client_certificate_file.empty() || !rc.client_certificate_data.empty();
  bool has_key = !rc.client_key_file.empty() || !rc.client_key_data.empty();
  if (has_cert != has_key) {
    throw Error(fmt::format("{} must be specified for {} to use the clientCert authentication method.",
                            has_cert ? "client-key-data or client-key" : "client-cert-data or client-cert",
                            rc.user_name));
  }
  if ((!rc.token.empty() || !rc.token_file.empty()) && !rc.username.empty()) {
    throw Error(fmt::format("more than one authentication method found for {}; found [token basicAuth], only one "
                            "is allowed",
                            rc.user_name));
  }
  for (const char* name : {"HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "NO_PROXY", "no_proxy"}) {
    if (auto v = env.get(name)) {
      rc.proxy_env[name] = *v;
    }
  }
  for (const auto& [k, v] : env.vars) {
    rc.exec_env[k] = v;
  }
  return rc;
}

}  // namespace grpcmesh::kube
