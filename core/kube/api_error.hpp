#pragma once

#include <string>

#include "core/kube/client.hpp"

namespace grpcmesh::kube {

// Renders a non-2xx API response like kubectl does, as the message of one
// grpcmesh::Error:
//   404 -> `Error from server (NotFound): services "x" not found`
//   401 -> `You must be logged in to the server (Unauthorized) as user "u" - ...`
//   403 -> the server's message (which names the user and verb) plus the fix
//   409 apply conflicts -> one line per field with the other manager, then
//          kubectl's three ways out (--force-conflicts, drop the field, co-own)
//   422 -> `The VirtualService "x" is invalid:` then one `* field: message` line per cause
// `user` names the kubeconfig user for 401 messages (may be empty).
std::string render_api_error(const Response& response, const Request& request, const std::string& user);

// The reason of a Status body ("NotFound", "Conflict", ...) or "" when absent.
std::string status_reason(const Response& response);

}  // namespace grpcmesh::kube
