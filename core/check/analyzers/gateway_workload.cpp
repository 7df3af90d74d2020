// The gateway workload: the selector must pick pods, and every server port
// must be exposed by the Service in front of them (as port or targetPort).
#include "core/check/analyzers/analyzers.hpp"
#include "core/check/mesh.hpp"

#include <algorithm>
#include <set>

namespace grpcmesh::check::analyzers {
namespace {

class GatewayWorkload final : public Analyzer {
 public:
  const AnalyzerMeta& meta() const override { return meta_; }

  void analyze(Context& ctx) const override {
    ctx.list(Kind::Pod);  // (read through the label index below)
    // Each Gateway's pods, found once: a Gateway without pods is asked about
    // every other Gateway that has some.
    const auto& gateways = ctx.list(Kind::Gateway);
    std::vector<std::vector<const Resource*>> pods_of;
    pods_of.reserve(gateways.size());
    std::vector<const Resource*> with_pods;
    for (const Resource& gw : gateways) {
      pods_of.push_back(mesh::selected_pods(ctx, gw.spec()["selector"]));
      if (!pods_of.back().empty()) {
        with_pods.push_back(&gw);
      }
    }
    size_t index = 0;
    for (const Resource& gw : gateways) {
      const std::vector<const Resource*>& pods = pods_of[index++];
      std::string selector_text = mesh::selector_string(gw.spec()["selector"]);
      if (pods.empty()) {
        // Nothing serves this Gateway's hosts, unless another Gateway that
        // has pods serves them too.
        std::vector<std::string> orphaned;
        for (Node server : gw.spec()["servers"]) {
          for (const std::string& host : mesh::server_hosts(server)) {
            if (!served_elsewhere(with_pods, host)) {
              orphaned.push_back(host);
            }
          }
        }
        ctx.report(gw, mesh::on_first_host(msg::GatewaySelectorNoPods(selector_text), orphaned));
        continue;
      }
      std::vector<const Resource*> services = fronting(ctx, pods);
      for (Node server : gw.spec()["servers"]) {
        Node number = server["port"]["number"];
        if (number.is_number_integer() && !exposed(services, number.get<int>())) {
          Message m = msg::GatewayPortNotOnService(number.get<int>(), selector_text);
          ctx.report(gw, mesh::on_first_host(std::move(m), mesh::server_hosts(server)));
        }
      }
    }
  }

 private:
  // Whether one of the Gateways with pods (never the one asking: it has
  // none) has a server for the host.
  static bool served_elsewhere(const std::vector<const Resource*>& with_pods, const std::string& host) {
    return std::any_of(with_pods.begin(), with_pods.end(),
                       [&](const Resource* other) { return !mesh::servers_for_host(*other, host).empty(); });
  }

  // The Services that select one of the pods (in the pod's namespace).
  static std::vector<const Resource*> fronting(const Context& ctx, const std::vector<const Resource*>& pods) {
    std::set<const Resource*> out;
    for (const Resource* pod : pods) {
      // Only Services whose selector names one of the pod's labels can select it.
      for (const Member& label : pod->labels().items()) {
        if (!label.value.is_string()) {
          continue;
        }
        for (const Resource* svc : ctx.labelled(Kind::Service, label.key, label.value.str(), true)) {
          if (svc->namespace_name == pod->namespace_name && mesh::selects(svc->spec()["selector"], pod->labels())) {
            out.insert(svc);
          }
        }
      }
    }
    return {out.begin(), out.end()};
  }

  // A Service in front of the pods lists the port as port or targetPort.
  static bool exposed(const std::vector<const Resource*>& services, int port) {
    for (const Resource* svc : services) {
      for (Node p : svc->spec()["ports"]) {
        Node n = p["port"];
        Node t = p["targetPort"];
        if ((n.is_number_integer() && n.get<int>() == port) || (t.is_number_integer() && t.get<int>() == port)) {
          return true;
        }
      }
    }
    return false;
  }

  AnalyzerMeta meta_{"gateway_workload",
                     "Gateway selectors matching no pod, and server ports the ingress Service does not expose",
                     {Kind::Gateway, Kind::Pod, Kind::Service},
                     {},
                     Hop::LoadBalancer};
};

}  // namespace

std::unique_ptr<Analyzer> make_gateway_workload() { return std::make_unique<GatewayWorkload>(); }

}  // namespace grpcmesh::check::analyzers
