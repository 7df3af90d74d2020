#include "cmd/app.hpp"

namespace grpcmesh::cmd {

void bind_kube_flags(CLI::App& app, kube::ConnectionOptions& o) {
  const char* group = "Kubernetes connection";
  app.add_option("--kubeconfig", o.kubeconfig, "Path to the kubeconfig file to use for CLI requests")->group(group);
  app.add_option("--context", o.context, "The name of the kubeconfig context to use")->group(group);
  app.add_option("--cluster", o.cluster, "The name of the kubeconfig cluster to use")->group(group);
  app.add_option("--user", o.user, "The name of the kubeconfig user to use")->group(group);
  app.add_option("-n,--namespace", o.namespace_name, "If present, the namespace scope for this CLI request")
      ->group(group);
  app.add_option("-s,--server", o.server, "The address and port of the Kubernetes API server")->group(group);
  app.add_option("--token", o.token, "Bearer token for authentication to the API server")->group(group);
  app.add_option("--as", o.as, "Username to impersonate for the operation")->group(group);
  app.add_option("--as-group", o.as_groups, "Group to impersonate for the operation, repeatable")
      ->allow_extra_args(false)  // one group per flag, as in kubectl
      ->group(group);
  app.add_option("--as-uid", o.as_uid, "UID to impersonate for the operation")->group(group);
  app.add_option("--certificate-authority", o.certificate_authority, "Path to a cert file for the certificate authority")
      ->group(group);
  app.add_option("--client-certificate", o.client_certificate, "Path to a client certificate file for TLS")->group(group);
  app.add_option("--client-key", o.client_key, "Path to a client key file for TLS")->group(group);
  app.add_flag("--insecure-skip-tls-verify", o.insecure_skip_tls_verify,
               "If true, the server's certificate will not be checked for validity (insecure)")
      ->group(group);
  app.add_option("--tls-server-name", o.tls_server_name, "Server name to use for server certificate validation")
      ->group(group);
  app.add_option("--request-timeout", o.request_timeout,
                 "How long to wait for a single server request (e.g. 1s, 2m, 3h); 0 waits forever")
      ->group(group);
  app.add_flag("--disable-compression", o.disable_compression, "If true, opt-out of response compression")
      ->group(group);
  app.add_option("-v,--v", o.verbosity, "Log level: 6 and up logs each request and its status")->group(group);
}

}  // namespace grpcmesh::cmd
