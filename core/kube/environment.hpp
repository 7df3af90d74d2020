#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace grpcmesh::kube {

// The parts of the process environment the client reads (KUBECONFIG, HOME,
// HTTPS_PROXY, NO_PROXY, KUBERNETES_SERVICE_HOST/PORT, the in-cluster
// service-account directory). Passed in explicitly so tests can inject it.
struct Environment {
  std::map<std::string, std::string, std::less<>> vars;
  std::string service_account_dir = "/var/run/secrets/kubernetes.io/serviceaccount";

  // A snapshot of the real process environment.
  static Environment from_process();

  // The variable's value, or nothing when unset (an empty value counts as set).
  std::optional<std::string> get(std::string_view name) const;
};

}  // namespace grpcmesh::kube
