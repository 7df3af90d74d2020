#include "core/grpc/gateway.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>

#include "core/gatewayapi/address.hpp"
#include "core/kube/client.hpp"
#include "core/kube/environment.hpp"
#include "core/kube/resource.hpp"
#include "core/kube/rest_config.hpp"
#include "core/mesh/cluster_read.hpp"
#include "core/mesh/host_config.hpp"
#include "core/mesh/workload.hpp"
#include "core/util/error.hpp"

namespace grpcmesh::grpc {
namespace {

using nlohmann::json;

int rank(const mesh::ServerRef& s, bool prefer_plaintext) {
  const bool tls = s.protocol == "HTTPS" || s.protocol == "TLS";
  const bool h2 = s.protocol == "GRPC" || s.protocol == "HTTP2" || s.protocol == "HTTP" || s.protocol == "GRPC-WEB";
  if (!tls && !h2) {
    return 99;  // TCP, MONGO, ...: no gRPC here
  }
  int r = s.protocol == "HTTPS" ? 0 : s.protocol == "TLS" ? 1 : s.protocol == "HTTP" ? 3 : 2;
  if (prefer_plaintext) {
    r += tls ? 10 : 0;
  }
  return r;
}

const json* find_service(const std::vector<json>& services, const std::string& ns, const std::string& name) {
  for (const json& s : services) {
    const json& md = s.value("metadata", json::object());
    if (md.value("namespace", "") == ns && md.value("name", "") == name) {
      return &s;
    }
  }
  return nullptr;
}

std::optional<std::string> node_address(const std::vector<json>& nodes) {
  for (const char* wanted : {"ExternalIP", "InternalIP"}) {
    for (const json& n : nodes) {
      for (const json& a : n.value("status", json::object()).value("addresses", json::array())) {
        if (a.value("type", "") == wanted && !a.value("address", "").empty()) {
          return a.value("address", "");
        }
      }
    }
  }
  return std::nullopt;
}

std::string join_host_port(const std::string& host, int port) {
  return host.find(':') != std::string::npos ? fmt::format("[{}]:{}", host, port) : fmt::format("{}:{}", host, port);
}

std::string last_line(const std::string& text) {
  std::string line;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) {
      end = text.size();
    }
    std::string candidate = text.substr(start, end - start);
    while (!candidate.empty() && (candidate.back() == '\r' || candidate.back() == ' ')) {
      candidate.pop_back();
    }
    if (!candidate.empty()) {
      line = candidate;
    }
    start = end + 1;
  }
  return line;
}

int listener_rank(const gatewayapi::HostListener& l, bool prefer_plaintext) {
  const bool tls = (l.protocol == "HTTPS" && l.tls_mode == "Terminate") || l.protocol == "TLS";
  if (!tls && l.protocol != "HTTP") {
    return 99;  // TCP, UDP, HTTPS without Terminate...: no gRPC here
  }
  int r = l.protocol == "HTTPS" ? 0 : l.protocol == "TLS" ? 1 : 3;
  return prefer_plaintext && tls ? r + 10 : r;
}

// HOST through a Gateway API listener, or nullopt when no listener that can
// carry gRPC covers HOST.
std::optional<GatewayRoute> resolve_gateway_api(const std::string& host, const GatewayInputs& in,
                                                bool prefer_plaintext, bool port_forward) {
  std::vector<gatewayapi::HostListener> listeners = gatewayapi::listeners_for_host(in.kube_gateways, host);
  std::stable_sort(listeners.begin(), listeners.end(), [&](const auto& a, const auto& b) {
    return listener_rank(a, prefer_plaintext) < listener_rank(b, prefer_plaintext);
  });
  if (listeners.empty() || listener_rank(listeners.front(), prefer_plaintext) == 99) {
    return std::nullopt;
  }
  const gatewayapi::HostListener& l = listeners.front();
  GatewayRoute route;
  route.authority = host;
  route.plaintext = l.protocol == "HTTP";
  route.servername = route.plaintext ? "" : host;
  const std::string hostname = l.listener->value("hostname", "");
  route.notes.push_back(fmt::format("host {}: Gateway API Gateway {} listener {} ({} port {}{}, hostname {})", host,
                                    l.gateway_ref(), l.name, l.protocol, l.port,
                                    l.tls_mode.empty() ? "" : ", TLS " + l.tls_mode,
                                    hostname.empty() ? "any" : hostname));
  std::vector<const json*> services;
  for (const json& s : in.services) {
    services.push_back(&s);
  }
  const json* service = gatewayapi::deployed_service(*l.gateway, services);
  if (service != nullptr) {
    route.service_namespace = service->value("metadata", json::object()).value("namespace", "");
    route.service_name = service->value("metadata", json::object()).value("name", "");
    route.service_port = l.port;  // istiod's Service has one port per listener port
    route.notes.push_back(fmt::format("gateway Service {}/{} ({}), {}", route.service_namespace, route.service_name,
                                      service->value("spec", json::object()).value("type", "ClusterIP"),
                                      gatewayapi::managed(*l.gateway) ? "deployed for the Gateway"
                                                                      : "named by its spec.addresses (manual deployment)"));
  }
  if (auto external = gatewayapi::external_address(*l.gateway, service)) {
    route.address = join_host_port(external->host, l.port);
    route.notes.push_back(fmt::format("address {} from {}", route.address, external->source));
  } else if (service != nullptr) {
    for (const json& p : service->value("spec", json::object()).value("ports", json::array())) {
      if (p.value("port", 0) == l.port && p.value("nodePort", 0) > 0) {
        if (auto node = node_address(in.nodes)) {
          route.address = join_host_port(*node, p.value("nodePort", 0));
          route.notes.push_back(fmt::format("address {}: no external address, so NodePort {} on a node",
                                            route.address, p.value("nodePort", 0)));
        }
        break;
      }
    }
  }
  if (route.address.empty()) {
    const auto internal = gatewayapi::status_addresses(*l.gateway);
    const std::string status = internal.empty() ? std::string("none") : fmt::format("{}", fmt::join(internal, ", "));
    if (service == nullptr && !gatewayapi::managed(*l.gateway)) {
      const std::string ref = gatewayapi::gateway_service_ref(*l.gateway);
      throw Error(fmt::format("Gateway API Gateway {} has no external address (status.addresses: {}) and {}: create "
                              "that Service in front of the gateway pods, or correct spec.addresses",
                              l.gateway_ref(), status,
                              ref.empty() ? std::string("its spec.addresses names no Service of the cluster (a manual "
                                                        "deployment needs <service> or <service>.<namespace>.svc)")
                              : ref.substr(0, ref.find('/')) != l.gateway_ref().substr(0, l.gateway_ref().find('/'))
                                  ? "its spec.addresses names Service " + ref +
                                        ", but istiod binds a manual deployment only to a Service of the Gateway's own "
                                        "namespace"
                                  : "no Service " + ref + ", which its spec.addresses names (a manual deployment)"));
    }
    if (service == nullptr) {
      throw Error(fmt::format("Gateway API Gateway {} has no external address (status.addresses: {}) and no Service "
                              "{} deployed for it: check that its GatewayClass's controller is istiod and the "
                              "Gateway is Programmed",
                              l.gateway_ref(), status, gatewayapi::gateway_service_ref(*l.gateway)));
    }
    if (!port_forward) {
      throw Error(fmt::format("the Gateway API Gateway {} has no external address (status.addresses: {}; Service "
                              "{}/{}: no load-balancer ingress, no reachable NodePort): add --port-forward to tunnel "
                              "through kubectl port-forward",
                              l.gateway_ref(), status, route.service_namespace, route.service_name));
    }
    route.notes.push_back(fmt::format("no external address: port-forwarding to Service {}/{} port {}",
                                      route.service_namespace, route.service_name, route.service_port));
  }
  route.notes.push_back(route.plaintext ? fmt::format("h2c (plaintext) with :authority {}", host)
                                        : fmt::format("TLS with SNI and :authority {}", host));
  return route;
}

}  // namespace

std::optional<std::string> forwarded_address(const std::string& output) {
  // "Forwarding from 127.0.0.1:41234 -> 8443"
  const std::string marker = "Forwarding from 127.0.0.1:";
  auto at = output.find(marker);
  if (at == std::string::npos) {
    return std::nullopt;
  }
  auto start = at + std::string("Forwarding from ").size();
  auto end = output.find(' ', start);
  if (end == std::string::npos) {
    return std::nullopt;
  }
  return output.substr(start, end - start);
}

GatewayRoute resolve_gateway(const std::string& host, const GatewayInputs& in, bool prefer_plaintext,
                             bool port_forward) {
  std::vector<mesh::ServerRef> servers = mesh::servers_for_host(in.gateways, host);
  std::stable_sort(servers.begin(), servers.end(), [&](const auto& a, const auto& b) {
    return rank(a, prefer_plaintext) < rank(b, prefer_plaintext);
  });
  if (servers.empty() || rank(servers.front(), prefer_plaintext) == 99) {
    if (auto route = resolve_gateway_api(host, in, prefer_plaintext, port_forward)) {
      return *route;
    }
    throw Error(fmt::format(
        "no Istio Gateway server (networking.istio.io) serves host \"{}\" over HTTPS, HTTP2, GRPC or HTTP, and no "
        "Gateway API listener (gateway.networking.k8s.io) over HTTPS, TLS or HTTP: create one with 'kubectl grpcmesh "
        "init --host {}', or pass the address instead of --host",
        host, host));
  }
  const mesh::ServerRef& server = servers.front();
  GatewayRoute route;
  route.authority = host;
  route.plaintext = server.protocol != "HTTPS" && server.protocol != "TLS";
  route.servername = route.plaintext ? "" : host;
  route.notes.push_back(fmt::format("host {}: Gateway {} server {} ({} port {}{})", host, server.ref(), server.index,
                                    server.protocol, server.port,
                                    server.tls_mode.empty() ? "" : ", TLS " + server.tls_mode));

  mesh::GatewayWorkload workload = mesh::find_gateway_workload(server.selector, in.pods, in.services);
  if (workload.service.empty()) {
    throw Error(fmt::format("no Service selects the gateway pods ({}) of Gateway {}: the gateway has no address",
                            mesh::format_selector(server.selector), server.ref()));
  }
  route.notes.push_back(fmt::format("gateway workload: {} pod(s) ({} ready) in {}, Service {}/{} ({})",
                                    workload.pods.size(), workload.ready_pods, workload.namespace_name,
                                    workload.namespace_name, workload.service, workload.service_type));
  const json* service = find_service(in.services, workload.namespace_name, workload.service);
  const json ports = service ? service->value("spec", json::object()).value("ports", json::array()) : json::array();
  const json* port = nullptr;
  for (const json& p : ports) {
    const json target = p.value("targetPort", json());
    const bool target_matches = (target.is_number() && target.get<int>() == server.port) ||
                                (target.is_string() && target.get<std::string>() == std::to_string(server.port));
    if (p.value("port", 0) == server.port || target_matches) {
      port = &p;
      break;
    }
  }
  if (port == nullptr) {
    throw Error(fmt::format("Service {}/{} does not expose the Gateway server port {} (as port or targetPort): "
                            "add the port to the Service",
                            workload.namespace_name, workload.service, server.port));
  }
  route.service_namespace = workload.namespace_name;
  route.service_name = workload.service;
  route.service_port = port->value("port", 0);

  const json ingress =
      service->value("status", json::object()).value("loadBalancer", json::object()).value("ingress", json::array());
  for (const json& i : ingress) {
    for (const char* field : {"ip", "hostname"}) {
      if (!i.value(field, "").empty()) {
        route.address = join_host_port(i.value(field, ""), route.service_port);
        route.notes.push_back(fmt::format("address {} from status.loadBalancer.ingress[].{}", route.address, field));
        break;
      }
    }
    if (!route.address.empty()) {
      break;
    }
  }
  if (route.address.empty() && port->value("nodePort", 0) > 0) {
    if (auto node = node_address(in.nodes)) {
      route.address = join_host_port(*node, port->value("nodePort", 0));
      route.notes.push_back(fmt::format("address {}: no load-balancer address, so NodePort {} on a node", route.address,
                                        port->value("nodePort", 0)));
    }
  }
  if (route.address.empty()) {
    if (!port_forward) {
      throw Error(fmt::format("the gateway Service {}/{} has no external address (no load-balancer ingress, no "
                              "reachable NodePort): add --port-forward to tunnel through kubectl port-forward",
                              workload.namespace_name, workload.service));
    }
    route.notes.push_back(fmt::format("no external address: port-forwarding to Service {}/{} port {}",
                                      route.service_namespace, route.service_name, route.service_port));
  }
  route.notes.push_back(route.plaintext ? fmt::format("h2c (plaintext) with :authority {}", host)
                                        : fmt::format("TLS with SNI and :authority {}", host));
  return route;
}

GatewayInputs read_gateway_inputs(const kube::ConnectionOptions& connection, std::ostream& diagnostics) {
  kube::Client client(kube::load_rest_config(connection, kube::Environment::from_process()), diagnostics);
  GatewayInputs in;
  const std::string hint = "grpcurl --host needs to list Gateways, Pods, Services (and Nodes for NodePorts)";
  in.gateways = mesh::list_or_throw(client, kube::kinds::kIstioGateway, "", "", hint);
  in.kube_gateways = mesh::list_or_empty(client, kube::kinds::kGatewayApiGateway, "");
  in.pods = mesh::list_or_throw(client, kube::kinds::kPod, "", "", hint);
  in.services = mesh::list_or_throw(client, kube::kinds::kService, "", "", hint);
  in.nodes = mesh::list_or_empty(client, kube::GroupKind{"", "Node"}, "");
  return in;
}

PortForward::PortForward(const kube::ConnectionOptions& c, const std::string& ns, const std::string& service, int port,
                         double timeout_seconds) {
  std::vector<std::string> args = {"kubectl", "port-forward", "--address", "127.0.0.1", "-n", ns,
                                   "svc/" + service, fmt::format(":{}", port)};
  for (const auto& [flag, value] : std::vector<std::pair<std::string, std::string>>{
           {"--kubeconfig", c.kubeconfig}, {"--context", c.context}, {"--cluster", c.cluster}, {"--user", c.user},
           {"--server", c.server}, {"--token", c.token}}) {
    if (!value.empty()) {
      args.push_back(flag + "=" + value);
    }
  }
  int out[2];
  if (pipe2(out, O_CLOEXEC) != 0) {
    throw Error("could not start kubectl port-forward: no pipe");
  }
  pid_ = fork();
  if (pid_ == 0) {
    setpgid(0, 0);
    // stdout and stderr both: the address it listens on, or why it cannot.
    dup2(out[1], STDOUT_FILENO);
    dup2(out[1], STDERR_FILENO);
    int devnull = open("/dev/null", O_RDWR);
    dup2(devnull, STDIN_FILENO);
    std::vector<char*> argv;
    for (auto& a : args) {
      argv.push_back(a.data());
    }
    argv.push_back(nullptr);
    execvp("kubectl", argv.data());
    const std::string why = fmt::format("cannot run kubectl: {}: put kubectl on PATH\n", std::strerror(errno));
    (void)!write(STDOUT_FILENO, why.data(), why.size());
    _exit(127);
  }
  close(out[1]);
  std::string seen;
  bool exited = false;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(static_cast<long>(timeout_seconds * 1000));
  while (address_.empty()) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    pollfd p{out[0], POLLIN, 0};
    if (left.count() <= 0 || poll(&p, 1, static_cast<int>(left.count())) != 1) {
      break;
    }
    char buf[256];
    ssize_t n = read(out[0], buf, sizeof buf);
    if (n <= 0) {
      exited = true;
      break;
    }
    seen.append(buf, static_cast<size_t>(n));
    if (auto address = forwarded_address(seen)) {
      address_ = *address;
    }
  }
  close(out[0]);
  if (address_.empty()) {
    stop();
    if (exited) {
      throw Error(fmt::format("kubectl port-forward to Service {}/{} port {} failed: {}", ns, service, port,
                              last_line(seen).empty() ? "it exited without saying why" : last_line(seen)));
    }
    throw Error(fmt::format("kubectl port-forward to Service {}/{} port {} did not start within {}s: check that "
                            "the gateway pods are running",
                            ns, service, port, timeout_seconds));
  }
}

PortForward::~PortForward() { stop(); }

void PortForward::stop() {
  if (pid_ > 0) {
    kill(-pid_, SIGTERM);
    waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }
}

}  // namespace grpcmesh::grpc
