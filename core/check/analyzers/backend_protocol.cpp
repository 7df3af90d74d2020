// Gateways do not sniff the upstream protocol: a gRPC route to a Service port
// Istio does not treat as HTTP/2 reaches the backend over HTTP/1.1 and fails.
// (istio/istio pilot/pkg/networking/core/cluster_builder.go setUpstreamProtocol)
#include <map>

#include "core/check/analyzers/analyzers.hpp"
#include "core/check/mesh.hpp"
#include "core/check/visibility.hpp"

namespace grpcmesh::check::analyzers {
namespace {

// h2UpgradePolicy: UPGRADE, or useClientProtocol (the client's HTTP/2 for
// gRPC), at the top or for the port (cluster_builder.go setUpstreamProtocol).
bool upgrades(Node traffic_policy, int port) {
  auto upgrade = [](Node policy) {
    Node http = field(field(policy, "connectionPool"), "http");
    return string_field(http, "h2UpgradePolicy") == "UPGRADE" || field(http, "useClientProtocol").boolean();
  };
  if (upgrade(traffic_policy)) {
    return true;
  }
  const auto& per_port = field(traffic_policy, "portLevelSettings");
  if (per_port.is_array()) {
    for (const auto& p : per_port) {
      const auto& n = field(field(p, "port"), "number");
      if (n.is_number_integer() && n.get<int>() == port && upgrade(p)) {
        return true;
      }
    }
  }
  return false;
}

class BackendProtocol final : public Analyzer {
 public:
  const AnalyzerMeta& meta() const override { return meta_; }

  void analyze(Context& ctx) const override {
    // DestinationRules by the Service they target, indexed once: used when
    // the gateway workload's namespace is unknown.
    std::multimap<mesh::NamespacedName, const Resource*> rules_by_service;
    for (const Resource& dr : ctx.list(Kind::DestinationRule)) {
      if (auto target = mesh::service_for_host(string_field(dr.spec(), "host"), dr.namespace_name)) {
        rules_by_service.emplace(*target, &dr);
      }
    }
    for (const Resource& vs : ctx.list(Kind::VirtualService)) {
      auto gateways = mesh::bound_gateways(ctx, vs);
      if (gateways.empty()) {
        continue;
      }
      const auto proxy_namespaces = mesh::proxy_namespaces(ctx, vs);
      Node rules = vs.spec()["http"];
      for (const mesh::Destination& d : mesh::destinations(vs)) {
        if (d.section != "http") {
          continue;
        }
        const Resource* svc = mesh::destination_service(ctx, d, vs.namespace_name);
        if (svc == nullptr) {
          continue;
        }
        Node port = mesh::destination_port(*svc, d.port);
        if (port.is_null()) {
          continue;  // route_destination reports it
        }
        mesh::PortProtocol protocol = mesh::port_protocol(port);
        // HTTPS too: the gateway speaks HTTP/1.1 to an HTTPS port unless a
        // DestinationRule upgrades it (the Istio oracle tests show it).
        if (mesh::is_http2(protocol.protocol)) {
          continue;
        }
        int number = port["port"].get<int>();
        if (proxy_namespaces.empty() ? upgraded(rules_by_service, *svc, number)
                                     : upgraded(ctx, proxy_namespaces, *svc, number)) {
          continue;
        }
        for (const std::string& host : mesh::hosts(vs)) {
          if (!carries_grpc(rules[d.rule], *svc, port, gateways, host)) {
            continue;
          }
          std::string shown = protocol.recognised          ? protocol.protocol
                              : protocol.from_app_protocol ? "TCP (unrecognised appProtocol)"
                                                           : "TCP (unrecognised port name)";
          ctx.report(vs, msg::BackendNotHttp2(svc->name, number, shown).for_host(host));
        }
      }
    }
  }

 private:
  static bool carries_grpc(Node rule, const Resource& svc, Node port,
                           const std::vector<const Resource*>& gateways, const std::string& host) {
    if (mesh::rule_looks_grpc(rule) || mesh::port_looks_grpc(svc, port)) {
      return true;
    }
    for (const Resource* gw : gateways) {
      for (Node server : mesh::servers_for_host(*gw, host)) {
        std::string p = mesh::upper(server["port"]["protocol"].str());
        if (p == "GRPC" || p == "GRPC-WEB" || p == "HTTP2") {
          return true;
        }
      }
    }
    return false;
  }

  // Whether a DestinationRule the gateway applies upgrades the port
  // (visibility.hpp destination_rules_for).
  static bool upgraded(const Context& ctx, const std::vector<std::string>& proxy_namespaces, const Resource& svc,
                       int port) {
    const std::string host = mesh::fqdn(svc.name, svc.namespace_name);
    for (const std::string& ns : proxy_namespaces) {
      for (const Resource* dr : mesh::destination_rules_for(ctx, host, svc.namespace_name, ns)) {
        if (upgrades(field(dr->spec(), "trafficPolicy"), port)) {
          return true;
        }
      }
    }
    return false;
  }

  static bool upgraded(const std::multimap<mesh::NamespacedName, const Resource*>& rules, const Resource& svc,
                       int port) {
    auto [first, last] = rules.equal_range(mesh::NamespacedName{svc.namespace_name, svc.name});
    for (auto it = first; it != last; ++it) {
      if (upgrades(field(it->second->spec(), "trafficPolicy"), port)) {
        return true;
      }
    }
    return false;
  }

  AnalyzerMeta meta_{"backend_protocol",
                     "gRPC routes from a gateway to Service ports Istio does not treat as HTTP/2",
                     {Kind::VirtualService, Kind::Gateway, Kind::Service},
                     {Kind::DestinationRule, Kind::Pod},
                     Hop::Backend};
};

}  // namespace

std::unique_ptr<Analyzer> make_backend_protocol() { return std::make_unique<BackendProtocol>(); }

}  // namespace grpcmesh::check::analyzers
