// Service ports: protocols Kubernetes rejects, appProtocol values Istio does
// not know on ports meant for gRPC, and appProtocol taking away the HTTP/2 the
// port name asks for.
#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "core/check/analyzers/analyzers.hpp"
#include "core/check/mesh.hpp"

namespace grpcmesh::check::analyzers {
namespace {

// A port name or appProtocol that asks for gRPC or HTTP/2 ("grpc",
// "kubernetes.io/grpc", "h2c", "http2"): when Istio does not recognise the
// appProtocol, an ingress gateway speaks HTTP/1.1 to such a port and gRPC
// fails. Other unrecognised values (e.g. "postgresql") leave the protocol to
// sidecar sniffing, which is no concern of gRPC through the gateway.
bool asks_for_http2(std::string_view value) {
  std::string lower(value);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return lower.find("grpc") != std::string::npos || lower.find("h2") != std::string::npos ||
         lower.find("http2") != std::string::npos;
}

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
      if (asks_for_http2(app_protocol.str()) || asks_for_http2(name)) {
        ctx.report(svc, msg::AppProtocolUnrecognised(number, app_protocol.get<std::string>(), name));
      }
      return;
    }
    // Only an override that takes HTTP/2 away changes what gRPC gets; one that
    // gives it (a port named "http" with appProtocol: grpc, as expose sets it
    // without renaming the port) is what the operator asked for.
    std::string by_name = mesh::protocol_from_name(port);
    if (!by_name.empty() && mesh::is_http2(by_name) && !mesh::is_http2(effective.protocol)) {
      ctx.report(svc, msg::AppProtocolOverridesName(number, name, app_protocol.get<std::string>(), effective.protocol));
    }
  }

  AnalyzerMeta meta_{"service_port_protocol",
                     "Service port protocols: values Kubernetes rejects, unknown appProtocol on gRPC ports, appProtocol taking HTTP/2 away from the port name",
                     {Kind::Service},
                     {},
                     Hop::Backend};
};

}  // namespace

std::unique_ptr<Analyzer> make_service_port_protocol() { return std::make_unique<ServicePortProtocol>(); }

}  // namespace grpcmesh::check::analyzers
