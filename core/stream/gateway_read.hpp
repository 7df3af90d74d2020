#pragma once
// Cluster reads shared by stream and web: the host's Gateway servers and
// the VirtualServices bound to them, and the gateway workload's settings.

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/mesh/cluster_state.hpp"
#include "core/mesh/host_config.hpp"
#include "core/stream/gateway_settings.hpp"

namespace grpcmesh::stream {

// Does `vs` bind to one of `servers`' Gateways ("ns/name", or "name" in
// the VirtualService's own namespace)?
bool binds_to(const nlohmann::json& vs, const std::vector<mesh::ServerRef>& servers);

struct HostObjects {
  std::vector<mesh::ServerRef> servers;
  std::vector<nlohmann::json> virtual_services;  // for the host and bound to one of its Gateways
};

HostObjects read_host_objects(mesh::ClusterState& state, const std::string& host);

// "1.31.0" from the istiod Deployment's image tag in `root_namespace`; ""
// when unreadable.
std::string read_istio_version(mesh::ClusterState& state, const std::string& root_namespace);

// The mesh config (data.mesh of ConfigMap <root>/istio) parsed; null when unreadable.
nlohmann::json read_mesh_config(mesh::ClusterState& state, const std::string& root_namespace);

}  // namespace grpcmesh::stream
