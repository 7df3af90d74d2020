#include "core/cli/kube_values.hpp"

#include <fstream>
#include <set>
#include <sstream>

#include "core/util/error.hpp"
#include "core/util/yaml.hpp"

namespace grpcmesh::cli {

namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return {};
  }
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

KubeValueSource::KubeValueSource(std::string kubeconfig_env, std::string home)
    : kubeconfig_env_(std::move(kubeconfig_env)), home_(std::move(home)) {}

kube::ConnectionOptions KubeValueSource::options_from(const ParsedLine& line) {
  kube::ConnectionOptions o;
  o.kubeconfig = line.flag("kubeconfig");
  o.context = line.flag("context");
  o.cluster = line.flag("cluster");
  o.user = line.flag("user");
  o.namespace_name = line.flag("namespace");
  o.server = line.flag("server");
  o.token = line.flag("token");
  o.certificate_authority = line.flag("certificate-authority");
  o.client_certificate = line.flag("client-certificate");
  o.client_key = line.flag("client-key");
  o.tls_server_name = line.flag("tls-server-name");
  o.as = line.flag("as");
  // Completion must never hang the shell.
  o.request_timeout = line.flag("request-timeout").empty() ? "5s" : line.flag("request-timeout");
  return o;
}

std::vector<std::string> KubeValueSource::kubeconfig_files(const kube::ConnectionOptions& options) const {
  if (!options.kubeconfig.empty()) {
    return {options.kubeconfig};
  }
  std::vector<std::string> files;
  if (!kubeconfig_env_.empty()) {
    std::string item;
    std::istringstream in(kubeconfig_env_);
    while (std::getline(in, item, ':')) {
      if (!item.empty()) {
        files.push_back(item);
      }
    }
    return files;
  }
  if (!home_.empty()) {
    files.push_back(home_ + "/.kube/config");
  }
  return files;
}

std::vector<Candidate> KubeValueSource::kubeconfig_names(ValueKind kind, const kube::ConnectionOptions& options) const {
  const char* section = kind == ValueKind::Context ? "contexts" : kind == ValueKind::Cluster ? "clusters" : "users";
  std::vector<Candidate> out;
  std::set<std::string> seen;
  for (const std::string& file : kubeconfig_files(options)) {
    const std::string text = read_file(file);
    if (text.empty()) {
      continue;
    }
    const nlohmann::json config = yaml::parse(text, file);
    if (!config.contains(section) || !config[section].is_array()) {
      continue;
    }
    for (const auto& entry : config[section]) {
      if (!entry.is_object() || !entry.contains("name") || !entry["name"].is_string()) {
        continue;
      }
      const std::string name = entry["name"].get<std::string>();
      if (!seen.insert(name).second) {
        continue;  // the first file that names it wins, as in kubectl
      }
      std::string description;
      if (kind == ValueKind::Context && entry.contains("context") && entry["context"].is_object()) {
        const auto& ctx = entry["context"];
        if (ctx.contains("cluster") && ctx["cluster"].is_string()) {
          description = "cluster " + ctx["cluster"].get<std::string>();
        }
        if (ctx.contains("namespace") && ctx["namespace"].is_string()) {
          description += (description.empty() ? "namespace " : ", namespace ") + ctx["namespace"].get<std::string>();
        }
      }
      out.push_back({name, description});
    }
  }
  return out;
}

std::vector<Candidate> KubeValueSource::values(ValueKind kind, const ParsedLine& line) {
  const kube::ConnectionOptions options = options_from(line);
  switch (kind) {
    case ValueKind::Context:
    case ValueKind::Cluster:
    case ValueKind::User:
      return kubeconfig_names(kind, options);
    default:
      return {};
  }
}

}  // namespace grpcmesh::cli
