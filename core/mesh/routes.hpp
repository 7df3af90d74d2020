#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/manifest/virtual_service.hpp"

namespace grpcmesh::mesh {

using manifest::GrpcRoute;

// Reads back the routes of a VirtualService this tool generated (uri prefix
// or no match, one destination "<svc>.<ns>.svc.<domain>" with a port number).
// Throws grpcmesh::Error naming the VirtualService when an entry has another
// shape (edited by hand), since the whole list is rebuilt on every run.
std::vector<GrpcRoute> routes_of(const nlohmann::json& virtual_service);

// The routes after pointing `prefixes` ("/pkg.Service/"; empty = one
// catch-all) at service/namespace:port. Routes of other Services are kept;
// this Service's earlier routes are replaced. A prefix already routed to
// another Service throws grpcmesh::Error unless `force`, which takes it over.
// Order: specific prefixes (sorted) first, the catch-all last.
std::vector<GrpcRoute> merge_routes(const std::vector<GrpcRoute>& existing, const std::string& service,
                                    const std::string& namespace_name, int port,
                                    const std::vector<std::string>& prefixes, bool force, const std::string& host);

// The routes without those of service/namespace (for --remove).
std::vector<GrpcRoute> remove_routes(const std::vector<GrpcRoute>& existing, const std::string& service,
                                     const std::string& namespace_name);

// Specific prefixes sorted, then the catch-all.
void order_routes(std::vector<GrpcRoute>& routes);

}  // namespace grpcmesh::mesh
