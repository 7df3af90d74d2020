#pragma once
// `tls --issuer`: the flags and the run of the cert-manager mode of tls.

#include <CLI/CLI.hpp>
#include <functional>
#include <optional>
#include <string>

#include "cmd/app.hpp"
#include "cmd/change_command.hpp"
#include "core/gatewayapi/api.hpp"

namespace grpcmesh::cmd {

struct IssuerFlags {
  std::string issuer;
  std::string issuer_kind = "Issuer";
  std::string key_algorithm = "ECDSA";
  int key_size = 0;
  std::string duration = "2160h";
  std::string renew_before;
  bool wait = false;
  std::string timeout = "5m";
};

void bind_issuer_flags(CLI::App& app, IssuerFlags& flags);

// What tls's own flags say, for the issuer mode.
struct TlsTarget {
  std::string host;
  std::string secret_name;
  std::string gateway_namespace;
  bool remove = false;
  std::optional<gatewayapi::Api> api;  // --api; nothing = as the host and the cluster decide
  std::string secret_namespace;        // --api gateway-api: --secret-namespace
  std::string gateway;                 // --api gateway-api: --gateway NS/NAME
  // Refuses the flags the chosen API does not know (run once it is chosen).
  std::function<void(gatewayapi::Api)> check_api;
};

// Throws UsageError when a flag only --issuer takes is given without it.
void check_issuer_flags_unused(const CLI::App& app);

// Sets ctx.action to the issuer mode: plan (the API chosen as tls chooses it;
// Certificate, then the Istio Gateway's server or the Gateway API listener bound to its Secret),
// execute, then with --wait poll the Certificate until Ready.
void set_issuer_action(Context& ctx, ChangeCommand command, const IssuerFlags& flags, const TlsTarget& target);

}  // namespace grpcmesh::cmd
