#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/kube/connection_options.hpp"
#include "core/kube/environment.hpp"

namespace grpcmesh::kube {

// users[].user.exec of a kubeconfig: a credential plugin run to get a token or
// a client certificate (client.authentication.k8s.io/v1 or v1beta1).
struct ExecConfig {
  std::string api_version;  // client.authentication.k8s.io/v1 or /v1beta1
  std::string command;      // resolved against the kubeconfig's directory if it contains a '/'
  std::vector<std::string> args;
  std::vector<std::pair<std::string, std::string>> env;
  std::string install_hint;
  bool provide_cluster_info = false;
  std::string interactive_mode = "IfAvailable";  // Never | IfAvailable | Always
};

// users[].user.auth-provider (only "oidc" is supported; gcp/azure are refused
// with kubectl's removal message when the configuration is loaded).
struct AuthProviderConfig {
  std::string name;
  std::map<std::string, std::string> config;
};

// Who to act as (--as, --as-group, --as-uid or the kubeconfig's as* fields).
struct Impersonation {
  std::string user;
  std::vector<std::string> groups;
  std::string uid;
  std::map<std::string, std::vector<std::string>> extra;
  bool empty() const { return user.empty() && groups.empty() && uid.empty() && extra.empty(); }
};

// Everything needed to talk to one API server, resolved from the kubeconfig
// files, the connection flags and the environment. File paths are absolute
// (relative paths were resolved against the kubeconfig that defined them).
struct RestConfig {
  std::string server;           // https://host:port[/prefix], no trailing slash
  std::string tls_server_name;  // SNI / name to verify, when different from the host
  bool insecure_skip_tls_verify = false;
  std::string ca_file;  // PEM file, or
  std::string ca_data;  // PEM bytes (decoded certificate-authority-data)
  std::string client_certificate_file;
  std::string client_certificate_data;  // PEM
  std::string client_key_file;
  std::string client_key_data;  // PEM; never logged
  std::string token;            // never logged
  std::string token_file;       // re-read when it changes, like client-go
  std::string username;         // basic auth
  std::string password;         // never logged
  std::optional<ExecConfig> exec;
  std::optional<AuthProviderConfig> auth_provider;
  std::string proxy_url;  // cluster proxy-url; otherwise HTTPS_PROXY/NO_PROXY apply
  Impersonation impersonate;

  std::string namespace_name = "default";  // -n, else the context's, else "default"
  bool namespace_explicit = false;         // true when it came from -n
  std::string context_name;                // names for messages ("" when not from a kubeconfig)
  std::string cluster_name;
  std::string user_name;
  bool in_cluster = false;

  std::chrono::milliseconds request_timeout{0};  // 0 = no timeout
  bool disable_compression = false;
  int verbosity = 0;
  std::map<std::string, std::string> proxy_env;  // HTTPS_PROXY/HTTP_PROXY/NO_PROXY as found in the environment
  std::map<std::string, std::string> exec_env;   // the environment exec plugins inherit

  // "host:port" of the server, as kubectl names it in connection errors.
  std::string server_host() const;
};

// Resolves the configuration the way kubectl (client-go clientcmd) does:
// --kubeconfig alone (a missing file is an error), else $KUBECONFIG as a
// list (first file to set a map key wins; first non-empty current-context
// wins; missing files skipped), else ~/.kube/config, else in-cluster
// (service-account token, CA and namespace). --context/--cluster/--user and
// the other flags override. Throws grpcmesh::Error with kubectl's wording
// (`context "x" does not exist`, `no server found for cluster "x"`, ...).
RestConfig load_rest_config(const ConnectionOptions& options, const Environment& env);

// Parses kubectl's --request-timeout ("0", "30", "5s", "1m30s", "250ms").
// Throws grpcmesh::UsageError on a malformed value.
std::chrono::milliseconds parse_request_timeout(const std::string& value);

}  // namespace grpcmesh::kube
