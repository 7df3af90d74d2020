#include "core/manifest/names.hpp"

#include <fmt/format.h>

#include <nlohmann/json.hpp>
#include <regex>

#include "core/util/error.hpp"

namespace grpcmesh::manifest {

bool managed_by_us(const nlohmann::json& object) {
  const auto* labels = object.is_object() && object.contains("metadata") && object["metadata"].is_object() &&
                               object["metadata"].contains("labels")
                           ? &object["metadata"]["labels"]
                           : nullptr;
  if (labels == nullptr || !labels->is_object()) {
    return false;
  }
  auto it = labels->find(kManagedByLabel);
  return it != labels->end() && it->is_string() && it->get<std::string>() == kManagedByValue;
}

void validate_host(std::string_view host) {
  const std::string h(host);
  const auto fail = [&](std::string_view why) {
    throw Error(fmt::format("invalid host \"{}\": {}; pass a DNS name such as grpc.example.com", h, why));
  };
  if (h.empty()) {
    fail("it is empty");
  }
  if (h.find("://") != std::string::npos) {
    fail("it has a scheme");
  }
  if (h.find(':') != std::string::npos) {
    fail("it has a port (the gateway port is set with --https-port/--plaintext-port)");
  }
  if (h.find('/') != std::string::npos) {
    fail("it has a path");
  }
  if (h.size() > 253) {
    fail("it is longer than 253 characters");
  }
  static const std::regex label("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");
  std::string_view rest = host;
  if (rest.substr(0, 2) == "*.") {
    rest.remove_prefix(2);
  }
  if (rest.find('.') == std::string_view::npos && rest != "localhost") {
    fail("it is not a fully qualified name (no dot)");
  }
  size_t start = 0;
  const std::string r(rest);
  while (start <= r.size()) {
    size_t dot = r.find('.', start);
    std::string part = r.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (!std::regex_match(part, label)) {
      fail(fmt::format("\"{}\" is not a valid lower-case DNS label", part));
    }
    if (dot == std::string::npos) {
      break;
    }
    start = dot + 1;
  }
}

void validate_grpc_service(std::string_view name) {
  static const std::regex full("[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)*");
  const std::string n(name);
  if (std::regex_match(n, full)) {
    return;
  }
  std::string hint = "pass the fully qualified service name as in the .proto package, e.g. helloworld.Greeter";
  if (!n.empty() && n.front() == '/') {
    hint = "drop the leading '/': pass the service name, e.g. helloworld.Greeter, not a path";
  } else if (n.find('/') != std::string::npos) {
    hint = "pass the service without the method, e.g. helloworld.Greeter, not helloworld.Greeter/SayHello";
  }
  throw Error(fmt::format("invalid gRPC service name \"{}\"; {}", n, hint));
}

std::string host_object_name(std::string_view host) {
  std::string out;
  if (host.substr(0, 2) == "*.") {
    out = "wildcard-";
    host.remove_prefix(2);
  }
  for (char c : host) {
    out += c == '.' ? '-' : c;
  }
  return out;
}

std::string default_credential_name(std::string_view host) { return host_object_name(host) + "-tls"; }

std::string grpc_service_prefix(std::string_view service) { return fmt::format("/{}/", service); }

std::string service_fqdn(std::string_view service, std::string_view namespace_name, std::string_view cluster_domain) {
  return fmt::format("{}.{}.svc.{}", service, namespace_name, cluster_domain);
}

}  // namespace grpcmesh::manifest
