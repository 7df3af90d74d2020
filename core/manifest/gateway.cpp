#include "core/manifest/gateway.hpp"

#include <fmt/format.h>

#include "core/manifest/names.hpp"

namespace grpcmesh::manifest {

nlohmann::json gateway(const GatewayOptions& o) {
  nlohmann::json servers = nlohmann::json::array();
  if (o.https) {
    servers.push_back({
        {"hosts", {o.host}},
        {"port", {{"name", fmt::format("https-{}", o.https->port)}, {"number", o.https->port}, {"protocol", "HTTPS"}}},
        {"tls", {{"mode", o.https->mutual ? "MUTUAL" : "SIMPLE"}, {"credentialName", o.https->credential_name}}},
    });
  }
  if (o.plaintext) {
    // HTTP2 (not GRPC) is the canonical plaintext protocol for h2c; a
    // plaintext server must carry no tls block at all.
    servers.push_back({
        {"hosts", {o.host}},
        {"port",
         {{"name", fmt::format("http2-{}", o.plaintext->port)}, {"number", o.plaintext->port}, {"protocol", "HTTP2"}}},
    });
  }
  return {
      {"apiVersion", o.api_version},
      {"kind", "Gateway"},
      {"metadata",
       {{"name", o.name},
        {"namespace", o.namespace_name},
        {"labels", {{std::string(kManagedByLabel), std::string(kManagedByValue)}}}}},
      {"spec", {{"selector", o.selector}, {"servers", servers}}},
  };
}

}  // namespace grpcmesh::manifest
