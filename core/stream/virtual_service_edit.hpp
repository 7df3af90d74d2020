#pragma once
// Replacing the http list of a host's VirtualService with server-side apply.
// The list is atomic (no x-kubernetes-list-type), so whoever applies it owns
// all of it: our own VirtualService (from expose) is re-applied whole; on
// someone else's, the list is only taken over with --force-conflicts.

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/mesh/change_set.hpp"

namespace grpcmesh::stream {

// Does the object carry our managed-by label?
bool is_ours(const nlohmann::json& object);

// "namespace/name".
std::string ref_of(const nlohmann::json& object);

// The field managers other than `manager` that own spec.http of `vs`.
std::vector<std::string> http_owners(const nlohmann::json& vs, const std::string& manager);

// The change that makes `vs`'s http list `http`. Ours: the whole apply
// configuration (labels, hosts, gateways, http) as expose writes it. Someone
// else's: only spec.http; when other managers own the list and not `force`,
// throws grpcmesh::Error: "<problem>; the http list of VirtualService NS/NAME
// is owned by field manager "X": <fix>, or re-run with --force-conflicts ...".
mesh::Change replace_http(const nlohmann::json& vs, const nlohmann::json& http, const std::string& manager,
                          bool force, const std::string& problem, const std::string& fix);

}  // namespace grpcmesh::stream
