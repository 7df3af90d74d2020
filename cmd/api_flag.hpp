#pragma once

#include <CLI/CLI.hpp>
#include <optional>
#include <string>

#include "core/gatewayapi/api.hpp"

namespace grpcmesh::cmd {

// --api istio|gateway-api, shared by the commands that write a host's
// configuration in either API.
void bind_api_flag(CLI::App& app, std::string& value);

// Nothing when --api is not given (the default follows the host and the cluster).
std::optional<gatewayapi::Api> api_from_flag(const std::string& value);

}  // namespace grpcmesh::cmd
