// Route destinations naming a subset: the gateway builds a cluster for it
// only when a DestinationRule it applies to the host defines the subset
// (pilot/pkg/networking/core/cluster_builder.go, subsets of the
// DestinationRule push_context.go destinationRule picks); otherwise the
// route points at a cluster that does not exist and calls get 503 (NC).
// Istio's analyzer reports it as IST0101 (virtualservice/destinationrules.go).
#include "core/check/analyzers/analyzers.hpp"
#include "core/check/mesh.hpp"
#include "core/check/visibility.hpp"

namespace grpcmesh::check::analyzers {
namespace {

bool defines(const std::vector<const Resource*>& rules, std::string_view subset) {
  for (const Resource* dr : rules) {
    for (Node s : dr->spec()["subsets"]) {
      if (s["name"].is_string() && s["name"].str() == subset) {
        return true;
      }
    }
  }
  return false;
}

class RouteSubset final : public Analyzer {
 public:
  const AnalyzerMeta& meta() const override { return meta_; }

  void analyze(Context& ctx) const override {
    for (const Resource& vs : ctx.list(Kind::VirtualService)) {
      const auto namespaces = mesh::proxy_namespaces(ctx, vs);
      if (namespaces.empty()) {
        continue;
      }
      const auto hosts = mesh::hosts(vs);
      for (const mesh::Destination& d : mesh::destinations(vs)) {
        if (d.subset.empty()) {
          continue;
        }
        const Resource* svc = mesh::destination_service(ctx, d, vs.namespace_name);
        if (svc == nullptr) {
          continue;  // route_destination reports it
        }
        const std::string host = mesh::fqdn(d.host, vs.namespace_name);
        bool found = false;
        for (const std::string& ns : namespaces) {
          found = found || defines(mesh::destination_rules_for(ctx, host, svc->namespace_name, ns), d.subset);
        }
        if (!found) {
          ctx.report(vs, mesh::on_first_host(
                             msg::SubsetNotFound(d.host + "+" + d.subset, namespaces.front(), host, d.subset), hosts));
        }
      }
    }
  }

 private:
  AnalyzerMeta meta_{"route_subset",
                     "Route destinations naming a subset no DestinationRule the gateway applies defines",
                     {Kind::VirtualService, Kind::Gateway, Kind::Service},
                     {Kind::DestinationRule, Kind::Pod},
                     Hop::Route};
};

}  // namespace

std::unique_ptr<Analyzer> make_route_subset() { return std::make_unique<RouteSubset>(); }

}  // namespace grpcmesh::check::analyzers
