// The gateway workload: the selector must pick pods, and every server port
// must be exposed by the Service in front of them (as port or targetPort).
#include "core/check/analyzers/analyzers.hpp"
#include "core/check/mesh.hpp"

namespace grpcmesh::check::analyzers {
namespace {

class GatewayWorkload final : public Analyzer {
 public:
  const AnalyzerMeta& meta() const override { return meta_; }

  void analyze(Context& ctx) const override {
    for (const Resource& gw : ctx.list(Kind::Gateway)) {
      const auto& selector = field(gw.spec(), "selector");
      std::vector<const Resource*> pods;
      for (const Resource& pod : ctx.list(Kind::Pod)) {
        if (mesh::selects(selector, pod.labels())) {
          pods.push_back(&pod);
        }
      }
      std::string selector_text = mesh::selector_string(selector);
      if (pods.empty()) {
        ctx.report(gw, msg::GatewaySelectorNoPods(selector_text));
        continue;
      }
      const auto& servers = field(gw.spec(), "servers");
      if (!servers.is_array()) {
        continue;
      }
      for (const auto& server : servers) {
        const auto& number = field(field(server, "port"), "number");
        if (number.is_number_integer() && !exposed(ctx, pods, number.get<int>())) {
          Message m = msg::GatewayPortNotOnService(number.get<int>(), selector_text);
          auto hosts = mesh::string_list(field(server, "hosts"));
          ctx.report(gw, hosts.empty() ? std::move(m) : std::move(m).for_host(mesh::server_host(hosts[0])));
        }
      }
    }
  }

 private:
  // A Service selecting one of the pods lists the port as port or targetPort.
  static bool exposed(const Context& ctx, const std::vector<const Resource*>& pods, int port) {
    for (const Resource& svc : ctx.list(Kind::Service)) {
      bool fronts = false;
      for (const Resource* pod : pods) {
        fronts = fronts || (pod->namespace_name == svc.namespace_name &&
                            mesh::selects(field(svc.spec(), "selector"), pod->labels()));
      }
      if (!fronts) {
        continue;
      }
      const auto& ports = field(svc.spec(), "ports");
      if (!ports.is_array()) {
        continue;
      }
      for (const auto& p : ports) {
        const auto& n = field(p, "port");
        const auto& t = field(p, "targetPort");
        if ((n.is_number_integer() && n.get<int>() == port) || (t.is_number_integer() && t.get<int>() == port)) {
          return true;
        }
      }
    }
    return false;
  }

  AnalyzerMeta meta_{"gateway_workload",
                     "Gateway selectors matching no pod, and server ports the ingress Service does not expose",
                     {Kind::Gateway, Kind::Pod, Kind::Service}};
};

}  // namespace

std::unique_ptr<Analyzer> make_gateway_workload() { return std::make_unique<GatewayWorkload>(); }

}  // namespace grpcmesh::check::analyzers
