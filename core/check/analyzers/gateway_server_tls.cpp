// Istio rejects TLS settings on plaintext HTTP, HTTP2, GRPC and GRPC-WEB
// servers ("server cannot have TLS settings for plain text HTTP ports").
#include "core/check/analyzers/analyzers.hpp"
#include "core/check/mesh.hpp"

namespace grpcmesh::check::analyzers {
namespace {

class GatewayServerTls final : public Analyzer {
 public:
  const AnalyzerMeta& meta() const override { return meta_; }

  void analyze(Context& ctx) const override {
    for (const Resource& gw : ctx.list(Kind::Gateway)) {
      for (Node server : gw.spec()["servers"]) {
        const auto& port = field(server, "port");
        std::string protocol = mesh::upper(string_field(port, "protocol"));
        bool plaintext = protocol == "HTTP" || protocol == "HTTP2" || protocol == "GRPC" || protocol == "GRPC-WEB";
        const auto& tls = field(server, "tls");
        // A tls block holding only httpsRedirect is what plaintext servers may have.
        bool only_redirect = tls.is_object() && tls.size() == 1 && tls.contains("httpsRedirect");
        if (!plaintext || !tls.is_object() || tls.empty() || only_redirect) {
          continue;
        }
        int number = field(port, "number").is_number_integer() ? field(port, "number").get<int>() : 0;
        Message m = msg::TlsOnPlaintextServer(number, string_field(port, "protocol"));
        ctx.report(gw, mesh::on_first_host(std::move(m), mesh::server_hosts(server)));
      }
    }
  }

 private:
  AnalyzerMeta meta_{"gateway_server_tls", "TLS settings on plaintext gateway servers", {Kind::Gateway},
                     {},
                     Hop::Server};
};

}  // namespace

std::unique_ptr<Analyzer> make_gateway_server_tls() { return std::make_unique<GatewayServerTls>(); }

}  // namespace grpcmesh::check::analyzers
