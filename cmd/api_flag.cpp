#include "cmd/api_flag.hpp"

namespace grpcmesh::cmd {

void bind_api_flag(CLI::App& app, std::string& value) {
  app.add_option("--api", value,
                 "Which API to write: istio (Gateway, VirtualService) or gateway-api (Gateway API Gateway, "
                 "GRPCRoute); default: what the host uses, else gateway-api when the cluster serves it and runs no "
                 "Istio ingress gateway pods")
      ->check(CLI::IsMember({"istio", "gateway-api"}));
}

std::optional<gatewayapi::Api> api_from_flag(const std::string& value) {
  if (value.empty()) {
    return std::nullopt;
  }
  return gatewayapi::parse_api(value);
}

}  // namespace grpcmesh::cmd
