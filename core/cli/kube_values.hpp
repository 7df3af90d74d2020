#pragma once

#include <string>
#include <vector>

#include "core/cli/complete.hpp"
#include "core/kube/connection_options.hpp"
#include "core/kube/environment.hpp"

namespace grpcmesh::cli {

// Completion values from the kubeconfig and the cluster, using the
// connection flags typed on the command line being completed (so
// `--context prod -n <TAB>` lists prod's namespaces):
//   contexts, clusters, users   the merged kubeconfig
//   namespaces                  the cluster's Namespaces
//   Services                    Services in the namespace (-n, else the context's)
//   Gateways                    Istio Gateways: "name" in the namespace, "ns/name" elsewhere
//   hosts                       the hosts Istio Gateways serve (wildcards left out)
// Cluster lookups time out after 5s unless --request-timeout says otherwise.
class KubeValueSource : public ValueSource {
 public:
  explicit KubeValueSource(kube::Environment env) : env_(std::move(env)) {}

  std::vector<Candidate> values(ValueKind kind, const ParsedLine& line) override;

  // The connection options the typed flags describe.
  static kube::ConnectionOptions options_from(const ParsedLine& line);

 private:
  std::vector<Candidate> kubeconfig_names(ValueKind kind, const kube::ConnectionOptions& options) const;
  std::vector<Candidate> cluster_values(ValueKind kind, const kube::ConnectionOptions& options) const;

  kube::Environment env_;
};

}  // namespace grpcmesh::cli
