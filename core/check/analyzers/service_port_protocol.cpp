// Service ports: protocols Kubernetes rejects, appProtocol values Istio does
// not know, and appProtocol silently overriding what the port name says.
#include <fmt/format.h>

#include "core/check/analyzers/analyzers.hpp"
#include "core/check/mesh.hpp"

namespace grpcmesh::check::analyzers {
namespace {

class ServicePortProtocol final : public Analyzer {
 public:
  const AnalyzerMeta& meta() const override { return meta_; }

  void analyze(Context& ctx) const override {
    for (const Resource& svc : ctx.list(Kind::Service)) {
      for (Node port : svc.spec()["ports"]) {
        check_port(ctx, svc, port);
      }
    }
  }

 private:
  static void check_port(Context& ctx, const Resource& svc, Node port) {
    int number = field(port, "port").is_number_integer() ? field(port, "port").get<int>() : 0;
    std::string protocol = string_field(port, "protocol");
    if (!protocol.empty() && protocol != "TCP" && protocol != "UDP" && protocol != "SCTP") {
      ctx.report(svc, msg::ServicePortProtocolInvalid(number, protocol));
    }
    const auto& app_protocol = field(port, "appProtocol");
    if (!app_protocol.is_string()) {
      return;
    }
    std::string name = string_field(port, "name");
    mesh::PortProtocol effective = mesh::port_protocol(port);
    if (!effective.recognised) {
      ctx.report(svc, msg::AppProtocolUnrecognised(number, app_protocol.get<std::string>(), name));
      return;
    }
    std::string by_name = mesh::protocol_from_name(port);
    if (!by_name.empty() && mesh::is_http2(by_name) != mesh::is_http2(effective.protocol)) {
      ctx.report(svc, msg::AppProtocolOverridesName(number, name, app_protocol.get<std::string>(), effective.protocol));
    }
  }

  AnalyzerMeta meta_{"service_port_protocol",
                     "Service port protocols: values Kubernetes rejects, unknown appProtocol, appProtocol overriding the port name",
                     {Kind::Service},
                     {},
                     Hop::Backend};
};

}  // namespace

std::unique_ptr<Analyzer> make_service_port_protocol() { return std::make_unique<ServicePortProtocol>(); }

}  // namespace grpcmesh::check::analyzers
