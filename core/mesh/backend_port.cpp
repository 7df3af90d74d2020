#include "core/mesh/backend_port.hpp"

#include <fmt/format.h>

#include "core/util/error.hpp"

namespace grpcmesh::mesh {
namespace {

std::string list_ports(const std::vector<BackendPort>& ports) {
  std::string out;
  for (const auto& p : ports) {
    out += fmt::format("{}{}{}", out.empty() ? "" : ", ", p.name.empty() ? "" : p.name + " ", p.port);
  }
  return out;
}

}  // namespace

std::vector<BackendPort> backend_ports(const nlohmann::json& service) {
  std::vector<BackendPort> out;
  for (const auto& p : service.value("/spec/ports"_json_pointer, nlohmann::json::array())) {
    BackendPort port{p.value("name", ""), p.value("port", 0), p.value("protocol", "TCP"), std::nullopt};
    if (auto app = p.find("appProtocol"); app != p.end() && app->is_string()) {
      port.app_protocol = app->get<std::string>();
    }
    out.push_back(std::move(port));
  }
  return out;
}

BackendPort pick_backend_port(const std::string& namespace_name, const std::string& service,
                              const std::optional<int>& port, const std::optional<nlohmann::json>& service_object) {
  const std::string ref = namespace_name + "/" + service;
  if (!service_object) {
    if (!port) {
      throw UsageError("--dry-run=client cannot read the Service's ports; pass --port");
    }
    return BackendPort{"", *port, "TCP", std::nullopt};
  }
  const std::vector<BackendPort> ports = backend_ports(*service_object);
  if (port) {
    for (const auto& p : ports) {
      if (p.port == *port) {
        return p;
      }
    }
    throw Error(fmt::format("Service {} has no port {} (ports: {}); pass one of them with --port", ref, *port,
                            list_ports(ports)));
  }
  if (ports.size() == 1) {
    return ports.front();
  }
  if (ports.empty()) {
    throw Error(fmt::format("Service {} has no ports; add the gRPC port to it first", ref));
  }
  throw Error(fmt::format("Service {} has several ports ({}); pick the gRPC one with --port", ref, list_ports(ports)));
}

}  // namespace grpcmesh::mesh
