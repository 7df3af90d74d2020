// Gateways on the same workload: two servers on one port with overlapping
// hosts conflict; one certificate shared by two Gateways makes HTTP/2 (gRPC)
// clients that reuse connections across hosts get 404s (envoy#6767).
// "The same workload" is the pods the selectors pick (two selectors written
// differently may pick the same pods), or, without Pods, the Services in
// front of them. Istio merges Gateways oldest first (creation time, then
// name, then namespace: pilot/pkg/model/push_context.go
// sortConfigByCreationTime) and drops a later server whose host is already
// served on the port (pilot/pkg/model/gateway.go MergeGateways), so the
// conflict breaks a host's path only when no route bound to the winner
// serves it.
#include <fmt/format.h>

#include <map>
#include <set>
#include <tuple>
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
    // servers grouped by (workload, port)
    std::map<std::pair<std::string, int>, std::vector<ServerRef>> by_port;
    std::map<std::pair<std::string, std::string>, std::set<const Resource*>> by_credential;
    for (const Resource& gw : ctx.list(Kind::Gateway)) {
      const auto workloads = workload_keys(ctx, gw);
      for (Node server : gw.spec()["servers"]) {
        const auto& n = field(field(server, "port"), "number");
        if (n.is_number_integer()) {
          std::vector<std::string> hosts;
          for (const std::string& h : mesh::string_list(field(server, "hosts"))) {
            hosts.push_back(mesh::server_host(h));
          }
          for (const std::string& w : workloads) {
            by_port[{w, n.get<int>()}].push_back({&gw, hosts});
          }
        }
        std::string credential = string_field(field(server, "tls"), "credentialName");
        if (!credential.empty()) {
          for (const std::string& w : workloads) {
            by_credential[{w, credential}].insert(&gw);
          }
        }
      }
    }
    std::map<std::pair<const Resource*, int>, Conflict> conflicts;
    for (const auto& [key, servers] : by_port) {
      find_conflicts(key.second, servers, conflicts);
    }
    for (const auto& [key, c] : conflicts) {
      Message m = msg::ConflictingGateways(fmt::format("{}", fmt::join(c.others, ", ")), key.second,
                                           fmt::format("{}", fmt::join(c.hosts, ", ")));
      // The path of a host breaks only when this gateway loses and no route
      // bound to a winner serves the host.
      for (const std::string& h : c.hosts) {
        if (!c.lost.contains(h) || routed_by(ctx, c.winners.at(h), h)) {
          continue;
        }
        m = std::move(m).for_host(h);
        break;
      }
      ctx.report(*key.first, std::move(m));
    }
    std::set<std::pair<const Resource*, std::string>> shared_reported;
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
        if (shared_reported.insert({gw, key.second}).second) {
          ctx.report(*gw, msg::DuplicateCertificate(fmt::format("{}", fmt::join(names, ", "))));
        }
      }
    }
  }

 private:
  struct Conflict {
    std::set<std::string> others;
    std::set<std::string> hosts;
    std::set<std::string> lost;                         // hosts this gateway's server loses
    std::map<std::string, const Resource*> winners;     // per lost host, the gateway that keeps it
  };

  // What a Gateway's selector picks: its pods ("pod ns/name"), or, without
  // Pods, the Services whose selector agrees with it, or its selector.
  static std::vector<std::string> workload_keys(const Context& ctx, const Resource& gw) {
    std::vector<std::string> out;
    Node selector = gw.spec()["selector"];
    if (!ctx.list(Kind::Pod).empty()) {
      for (const Resource* pod : mesh::selected_pods(ctx, selector)) {
        out.push_back("pod " + pod->namespace_name + "/" + pod->name);
      }
      return out;  // a selector that picks no pod conflicts with nothing
    }
    for (const Resource* svc : mesh::agreeing_services(ctx, selector)) {
      out.push_back("service " + svc->namespace_name + "/" + svc->name);
    }
    if (out.empty()) {
      out.push_back("selector " + field(gw.spec(), "selector").dump());
    }
    return out;
  }

  // Istio's merge order: creation time, then name, then namespace.
  static bool older(const Resource& a, const Resource& b) {
    auto created = [](const Resource& r) { return string_field(r.root()["metadata"], "creationTimestamp"); };
    return std::tuple(created(a), a.name, a.namespace_name) < std::tuple(created(b), b.name, b.namespace_name);
  }

  static bool routed_by(const Context& ctx, const Resource* gateway, const std::string& host) {
    for (const Resource& vs : ctx.list(Kind::VirtualService)) {
      for (const mesh::NamespacedName& ref : mesh::gateway_refs(vs)) {
        if (ref.namespace_name != gateway->namespace_name || ref.name != gateway->name) {
          continue;
        }
        for (const std::string& h : mesh::hosts(vs)) {
          if (mesh::host_matches(h, host) || mesh::host_matches(host, h)) {
            return true;
          }
        }
      }
    }
    return false;
  }

  static void find_conflicts(int port, const std::vector<ServerRef>& servers,
                             std::map<std::pair<const Resource*, int>, Conflict>& out) {
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
      const Resource* gw = servers[i].gateway;
      auto overlap = [&](const std::string& ha, std::string_view hb, size_t j) {
        const Resource* other = servers[j].gateway;
        if (gw != other && (mesh::host_matches(ha, hb) || mesh::host_matches(hb, ha))) {
          Conflict& c = out[{gw, port}];
          c.others.insert(gateway_name(*other));
          c.hosts.insert(ha);
          if (older(*other, *gw)) {
            c.lost.insert(ha);
            auto [it, added] = c.winners.try_emplace(ha, other);
            if (!added && older(*other, *it->second)) {
              it->second = other;
            }
          }
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
    }
  }

  AnalyzerMeta meta_{"gateway_conflict",
                     "Gateways on one workload with the same port and overlapping hosts, or sharing a certificate",
                     {Kind::Gateway},
                     {Kind::Pod, Kind::Service, Kind::VirtualService},
                     Hop::Server};
};

}  // namespace

std::unique_ptr<Analyzer> make_gateway_conflict() { return std::make_unique<GatewayConflict>(); }

}  // namespace grpcmesh::check::analyzers
