// Gateways on the same workload: two servers on one port with overlapping
// hosts conflict; one certificate shared by two Gateways makes HTTP/2 (gRPC)
// clients that reuse connections across hosts get 404s (envoy#6767).
#include <fmt/format.h>

#include <map>
#include <set>
#include <unordered_map>

#include "core/check/analyzers/analyzers.hpp"
#include "core/check/mesh.hpp"

namespace grpcmesh::check::analyzers {
namespace {

struct ServerRef {
  const Resource* gateway;
  std::vector<std::string> hosts;  // without namespace prefixes
};

std::string gateway_name(const Resource& gw) { return gw.namespace_name + "/" + gw.name; }

class GatewayConflict final : public Analyzer {
 public:
  const AnalyzerMeta& meta() const override { return meta_; }

  void analyze(Context& ctx) const override {
    // servers grouped by (selector, port)
    std::map<std::pair<std::string, int>, std::vector<ServerRef>> by_port;
    std::map<std::pair<std::string, std::string>, std::set<const Resource*>> by_credential;
    for (const Resource& gw : ctx.list(Kind::Gateway)) {
      std::string selector = field(gw.spec(), "selector").dump();
      for (Node server : gw.spec()["servers"]) {
        const auto& n = field(field(server, "port"), "number");
        if (n.is_number_integer()) {
          std::vector<std::string> hosts;
          for (const std::string& h : mesh::string_list(field(server, "hosts"))) {
            hosts.push_back(mesh::server_host(h));
          }
          by_port[{selector, n.get<int>()}].push_back({&gw, std::move(hosts)});
        }
        std::string credential = string_field(field(server, "tls"), "credentialName");
        if (!credential.empty()) {
          by_credential[{selector, credential}].insert(&gw);
        }
      }
    }
    for (const auto& [key, servers] : by_port) {
      report_conflicts(ctx, key.second, servers);
    }
    for (const auto& [key, gateways] : by_credential) {
      if (gateways.size() < 2) {
        continue;
      }
      std::vector<std::string> names;
      for (const Resource* gw : gateways) {
        names.push_back(gateway_name(*gw));
      }
      std::sort(names.begin(), names.end());
      for (const Resource* gw : gateways) {
        ctx.report(*gw, msg::DuplicateCertificate(fmt::format("{}", fmt::join(names, ", "))));
      }
    }
  }

 private:
  static void report_conflicts(Context& ctx, int port, const std::vector<ServerRef>& servers) {
    // Exact hosts are looked up; only wildcards are compared with every host.
    std::unordered_map<std::string_view, std::vector<size_t>> exact;
    std::vector<std::pair<std::string_view, size_t>> wildcards;
    for (size_t j = 0; j < servers.size(); ++j) {
      for (const std::string& h : servers[j].hosts) {
        if (h.starts_with('*')) {
          wildcards.emplace_back(h, j);
        } else {
          exact[h].push_back(j);
        }
      }
    }
    for (size_t i = 0; i < servers.size(); ++i) {
      std::set<std::string> others;
      std::set<std::string> hosts;
      auto overlap = [&](const std::string& ha, std::string_view hb, size_t j) {
        if (servers[i].gateway != servers[j].gateway && (mesh::host_matches(ha, hb) || mesh::host_matches(hb, ha))) {
          others.insert(gateway_name(*servers[j].gateway));
          hosts.insert(ha);
        }
      };
      for (const std::string& ha : servers[i].hosts) {
        if (ha.starts_with('*')) {
          for (size_t j = 0; j < servers.size(); ++j) {
            for (const std::string& hb : servers[j].hosts) {
              overlap(ha, hb, j);
            }
          }
          continue;
        }
        if (auto it = exact.find(ha); it != exact.end()) {
          for (size_t j : it->second) {
            overlap(ha, ha, j);
          }
        }
        for (const auto& [hb, j] : wildcards) {
          overlap(ha, hb, j);
        }
      }
      if (!others.empty()) {
        ctx.report(*servers[i].gateway,
                   msg::ConflictingGateways(fmt::format("{}", fmt::join(others, ", ")), port,
                                            fmt::format("{}", fmt::join(hosts, ", ")))
                       .for_host(*hosts.begin()));
      }
    }
  }

  AnalyzerMeta meta_{"gateway_conflict",
                     "Gateways on one workload with the same port and overlapping hosts, or sharing a certificate",
                     {Kind::Gateway},
                     {},
                     Hop::Server};
};

}  // namespace

std::unique_ptr<Analyzer> make_gateway_conflict() { return std::make_unique<GatewayConflict>(); }

}  // namespace grpcmesh::check::analyzers
