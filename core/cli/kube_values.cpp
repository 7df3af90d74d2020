#include "core/cli/kube_values.hpp"

#include <set>
#include <sstream>

#include "core/kube/client.hpp"
#include "core/kube/kubeconfig.hpp"
#include "core/kube/reader.hpp"
#include "core/kube/rest_config.hpp"
#include "core/kube/views.hpp"
#include "core/util/error.hpp"

namespace grpcmesh::cli {

namespace {

std::string string_at(const nlohmann::json& object, const char* key) {
  if (object.is_object() && object.contains(key) && object[key].is_string()) {
    return object[key].get<std::string>();
  }
  return {};
}

std::string ports_of(const kube::ServiceView& service) {
  std::string out;
  for (const auto& p : service.ports) {
    out += out.empty() ? "ports " : ", ";
    out += (p.name.empty() ? "" : p.name + ":") + std::to_string(p.port);
  }
  return out;
}

template <typename View>
std::vector<View> items(kube::Listed<View> listed) {
  if (listed.forbidden || listed.not_installed) {
    return {};
  }
  return std::move(listed.items);
}

}  // namespace

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

std::vector<Candidate> KubeValueSource::kubeconfig_names(ValueKind kind, const kube::ConnectionOptions& options) const {
  const kube::Kubeconfig config = kube::load_kubeconfig(kube::kubeconfig_sources(options, env_));
  const auto& entries = kind == ValueKind::Context   ? config.contexts
                        : kind == ValueKind::Cluster ? config.clusters
                                                     : config.users;
  std::vector<Candidate> out;
  for (const auto& [name, entry] : entries) {
    std::string description;
    if (kind == ValueKind::Context) {
      const std::string cluster = string_at(entry.value, "cluster");
      const std::string ns = string_at(entry.value, "namespace");
      description = cluster.empty() ? "" : "cluster " + cluster;
      if (!ns.empty()) {
        description += (description.empty() ? "namespace " : ", namespace ") + ns;
      }
    }
    out.push_back({name, description});
  }
  return out;
}

std::vector<Candidate> KubeValueSource::cluster_values(ValueKind kind, const kube::ConnectionOptions& options) const {
  std::ostringstream diagnostics;  // warnings must not reach the shell
  kube::Client client(kube::load_rest_config(options, env_), diagnostics);
  kube::Reader reader(client);
  const std::string ns = client.config().namespace_name;
  std::vector<Candidate> out;
  switch (kind) {
    case ValueKind::Namespace: {
      const kube::ListResult list = client.list(client.resolve(kube::kinds::kNamespace));
      for (const auto& item : list.items) {
        out.push_back({kube::ObjectMeta::from(item).name, ""});
      }
      break;
    }
    case ValueKind::Service: {
      kube::ListOptions in_namespace;
      in_namespace.namespace_name = ns;
      for (const auto& svc : items(reader.list<kube::ServiceView>(in_namespace))) {
        out.push_back({svc.meta.name, ports_of(svc)});
      }
      break;
    }
    case ValueKind::Gateway:
      for (const auto& gw : items(reader.list<kube::IstioGatewayView>())) {
        std::string hosts;
        for (const auto& server : gw.servers) {
          for (const auto& host : server.hosts) {
            hosts += (hosts.empty() ? "hosts " : ", ") + host;
          }
        }
        out.push_back({gw.meta.namespace_name + "/" + gw.meta.name, hosts});
      }
      break;
    case ValueKind::Host: {
      std::set<std::string> seen;
      for (const auto& gw : items(reader.list<kube::IstioGatewayView>())) {
        for (const auto& server : gw.servers) {
          for (std::string host : server.hosts) {
            // "ns/host" restricts the namespaces that may bind; the host is after the slash.
            if (const auto slash = host.find('/'); slash != std::string::npos) {
              host = host.substr(slash + 1);
            }
            if (host.empty() || host.find('*') != std::string::npos || !seen.insert(host).second) {
              continue;
            }
            out.push_back({host, "Gateway " + gw.meta.namespace_name + "/" + gw.meta.name});
          }
        }
      }
      break;
    }
    default:
      break;
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
    case ValueKind::Namespace:
    case ValueKind::Service:
    case ValueKind::Gateway:
    case ValueKind::Host:
      return cluster_values(kind, options);
    default:
      return {};
  }
}

}  // namespace grpcmesh::cli
