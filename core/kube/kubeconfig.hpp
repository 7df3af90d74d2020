#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/kube/connection_options.hpp"
#include "core/kube/environment.hpp"

namespace grpcmesh::kube {

// One named cluster, user or context, with the directory of the file that
// defined it (relative paths inside it resolve against that directory).
struct KubeconfigEntry {
  nlohmann::json value;  // the inner object (`cluster:`, `user:` or `context:`)
  std::string file;      // the kubeconfig file it came from
  std::string dir;       // that file's directory
};

// Several kubeconfig files merged with client-go's rules: the first file to
// define a name wins and whole entries are never merged field by field; the
// first non-empty current-context wins.
struct Kubeconfig {
  std::map<std::string, KubeconfigEntry> clusters;
  std::map<std::string, KubeconfigEntry> users;
  std::map<std::string, KubeconfigEntry> contexts;
  std::string current_context;
  std::vector<std::string> files;  // files actually read, in order
};

// Which files to read: {--kubeconfig} alone, else the $KUBECONFIG list
// (':'-separated, duplicates and empty elements dropped), else ~/.kube/config.
// `required` is set when the single file came from --kubeconfig (missing = error).
struct KubeconfigSources {
  std::vector<std::string> files;
  bool required = false;
};
KubeconfigSources kubeconfig_sources(const ConnectionOptions& options, const Environment& env);

// Reads and merges the files. Missing files are skipped unless `required`;
// a malformed file is an error naming it.
Kubeconfig load_kubeconfig(const KubeconfigSources& sources);

}  // namespace grpcmesh::kube
