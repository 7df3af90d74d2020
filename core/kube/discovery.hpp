#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/kube/resource.hpp"

namespace grpcmesh::kube {

// One API group as discovery describes it. `versions` is in the server's
// order of preference (the preferred version first).
struct DiscoveryGroup {
  std::string name;  // "" for the core group
  std::vector<std::string> versions;
  std::map<std::string, std::vector<ApiResource>> resources;  // by version; empty until loaded
  bool resources_loaded = false;
};

// The Accept header asking for aggregated discovery, with plain JSON as the fallback.
inline constexpr const char* kAggregatedDiscoveryAccept =
    "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,"
    "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json";

// True when a /api or /apis body is an aggregated APIGroupDiscoveryList.
bool is_aggregated_discovery(const nlohmann::json& body);

// apidiscovery.k8s.io/v2(beta1) APIGroupDiscoveryList -> groups with their
// resources (subresources dropped).
std::vector<DiscoveryGroup> parse_aggregated_discovery(const nlohmann::json& body);

// Legacy /apis APIGroupList (preferredVersion first) or /api APIVersions.
std::vector<DiscoveryGroup> parse_group_list(const nlohmann::json& body);
DiscoveryGroup parse_core_versions(const nlohmann::json& body);

// Legacy /apis/G/V or /api/v1 APIResourceList (subresources dropped).
std::vector<ApiResource> parse_resource_list(const nlohmann::json& body, const std::string& group,
                                             const std::string& version);

}  // namespace grpcmesh::kube
