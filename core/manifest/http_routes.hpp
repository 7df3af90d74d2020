#pragma once
// Edits of VirtualService http[] entries (JSON objects as the API returns
// them) that stream and web make without touching anything else a route has.

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace grpcmesh::manifest {

// The name prefix of the preflight routes web adds in front of a route that
// matches on content-type.
inline constexpr const char* kPreflightRoutePrefix = "grpcmesh-preflight";

// Is `route` one of the routes for `prefixes` ("/pkg.Service/"; empty = every
// route)? A route is selected when one of its uri prefixes is one of them or
// lies under one, or when it has no uri condition (a catch-all also carries
// the service's calls).
bool route_selected(const nlohmann::json& route, const std::vector<std::string>& prefixes);

// Can a CORS preflight (OPTIONS, no content-type header) be matched by the
// route? False when every match entry needs a content-type header or a
// method other than OPTIONS.
bool preflight_can_match(const nlohmann::json& route);

// A route the preflight can never match because each of its match entries
// requires a content-type header (the widely copied gRPC-Web recipe).
bool content_type_only(const nlohmann::json& route);

// The route with `timeout` set, or without any timeout when nothing is given
// (omitted means disabled; Istio rejects 0s).
nlohmann::json with_route_timeout(nlohmann::json route, const std::optional<std::string>& timeout);

// The route without retries.perTryTimeout (the retries stay).
nlohmann::json without_per_try_timeout(nlohmann::json route);

// The route with `cors` as its corsPolicy (removed when `cors` is null).
nlohmann::json with_cors(nlohmann::json route, const nlohmann::json& cors);

// The companion route that lets the preflight for a content-type-only route
// find its CORS policy: the same uri/authority/port conditions without the
// content-type header, method OPTIONS, the same destinations, `cors`, named
// "<kPreflightRoutePrefix>-<index>".
nlohmann::json preflight_route(const nlohmann::json& route, const nlohmann::json& cors, size_t index);

// Was `route` added by preflight_route?
bool is_preflight_route(const nlohmann::json& route);

// `generated` (a VirtualService whose http list is rebuilt from its routes)
// with the per-route settings stream and web put on the live one kept: a
// route with the same match keeps its corsPolicy, timeout and retries, and a new route
// gets the corsPolicy every live route shares (the host serves gRPC-Web).
nlohmann::json keep_route_settings(nlohmann::json generated, const nlohmann::json& live);

}  // namespace grpcmesh::manifest
