// gRPC paths are /package.Service/Method. A per-service prefix must end with
// "/": "/helloworld.Greeter" also matches "/helloworld.GreeterV2/...".
#include <fmt/format.h>

#include "core/check/analyzers/analyzers.hpp"
#include "core/check/mesh.hpp"

namespace grpcmesh::check::analyzers {
namespace {

class RouteGrpcPath final : public Analyzer {
 public:
  const AnalyzerMeta& meta() const override { return meta_; }

  void analyze(Context& ctx) const override {
    for (const Resource& vs : ctx.list(Kind::VirtualService)) {
      auto hosts = mesh::hosts(vs);
      for (Node rule : vs.spec()["http"]) {
        for (Node m : rule["match"]) {
          std::string prefix = string_field(field(m, "uri"), "prefix");
          if (auto found = check_prefix(prefix)) {
            ctx.report(vs, mesh::on_first_host(std::move(*found), hosts));
          }
        }
      }
    }
  }

 private:
  static std::optional<Message> check_prefix(const std::string& prefix) {
    if (prefix.empty()) {
      return std::nullopt;
    }
    if (prefix[0] != '/') {
      std::string fixed = "/" + prefix;
      if (mesh::looks_like_grpc_path(fixed) && fixed.find('/', 1) == std::string::npos) {
        fixed += '/';
      }
      return msg::GrpcPrefixNotServicePath(prefix, "it does not start with /, so no gRPC request matches it", fixed);
    }
    if (mesh::looks_like_grpc_path(prefix) && prefix.find('/', 1) == std::string::npos) {
      return msg::GrpcPrefixNotServicePath(
          prefix, fmt::format("without the trailing / it also matches {}V2/... and every service named like it", prefix),
          prefix + "/");
    }
    return std::nullopt;
  }

  AnalyzerMeta meta_{"route_grpc_path",
                     "uri prefixes that are not proper gRPC service paths (/package.Service/)",
                     {Kind::VirtualService},
                     {},
                     Hop::Route};
};

}  // namespace

std::unique_ptr<Analyzer> make_route_grpc_path() { return std::make_unique<RouteGrpcPath>(); }

}  // namespace grpcmesh::check::analyzers
