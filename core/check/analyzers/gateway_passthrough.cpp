// A PASSTHROUGH server forwards TLS untouched: http routes never apply to it.
#include "core/check/analyzers/analyzers.hpp"
#include "core/check/mesh.hpp"

namespace grpcmesh::check::analyzers {
namespace {

class GatewayPassthrough final : public Analyzer {
 public:
  const AnalyzerMeta& meta() const override { return meta_; }

  void analyze(Context& ctx) const override {
    for (const Resource& vs : ctx.list(Kind::VirtualService)) {
      const auto& http = field(vs.spec(), "http");
      if (!http.is_array() || http.empty()) {
        continue;
      }
      for (const Resource* gw : mesh::bound_gateways(ctx, vs)) {
        for (const std::string& host : mesh::hosts(vs)) {
          auto servers = mesh::servers_for_host(*gw, host);
          if (servers.empty()) {
            continue;
          }
          bool all_passthrough = true;
          for (Node s : servers) {
            all_passthrough = all_passthrough && mesh::passthrough(s);
          }
          if (all_passthrough) {
            int port = servers[0]["port"]["number"].get<int>();  // 0 when not a number
            ctx.report(vs, msg::PassthroughWithHttpRoutes(gw->namespace_name + "/" + gw->name, port).for_host(host));
          }
        }
      }
    }
  }

 private:
  AnalyzerMeta meta_{"gateway_passthrough",
                     "http routes bound to gateway servers that pass TLS through",
                     {Kind::VirtualService, Kind::Gateway},
                     {},
                     Hop::Route};
};

}  // namespace

std::unique_ptr<Analyzer> make_gateway_passthrough() { return std::make_unique<GatewayPassthrough>(); }

}  // namespace grpcmesh::check::analyzers
