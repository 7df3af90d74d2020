#pragma once

#include <string>
#include <vector>

namespace grpcmesh::kube {

// The kubectl connection flags, gathered once by the CLI and shared by every
// command that talks to a cluster. Empty strings mean "not given".
struct ConnectionOptions {
  std::string kubeconfig;
  std::string context;
  std::string cluster;
  std::string user;
  std::string namespace_name;
  std::string server;
  std::string token;
  std::string as;
  std::vector<std::string> as_groups;
  std::string as_uid;
  std::string certificate_authority;
  std::string client_certificate;
  std::string client_key;
  bool insecure_skip_tls_verify = false;
  std::string tls_server_name;
  std::string request_timeout = "0";
  bool disable_compression = false;
  int verbosity = 0;
};

}  // namespace grpcmesh::kube
