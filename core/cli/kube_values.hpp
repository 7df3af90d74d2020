#pragma once

#include <string>
#include <vector>

#include "core/cli/complete.hpp"
#include "core/kube/connection_options.hpp"

namespace grpcmesh::cli {

// Completion values from the kubeconfig and the cluster, using the
// connection flags typed on the command line being completed (so
// `--context prod -n <TAB>` lists prod's namespaces).
class KubeValueSource : public ValueSource {
 public:
  // `environment` holds KUBECONFIG and HOME as the process saw them.
  KubeValueSource(std::string kubeconfig_env, std::string home);

  std::vector<Candidate> values(ValueKind kind, const ParsedLine& line) override;

  // The connection options the typed flags describe.
  static kube::ConnectionOptions options_from(const ParsedLine& line);

 private:
  std::vector<std::string> kubeconfig_files(const kube::ConnectionOptions& options) const;
  std::vector<Candidate> kubeconfig_names(ValueKind kind, const kube::ConnectionOptions& options) const;

  std::string kubeconfig_env_;
  std::string home_;
};

}  // namespace grpcmesh::cli
