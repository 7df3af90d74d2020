// Objects whose apiVersion the API server does not serve for their kind
// ("networking.io/v1", EnvoyFilter as v1): they can never be applied.
#include <fmt/format.h>

#include "core/check/analyzers/analyzers.hpp"

namespace grpcmesh::check::analyzers {
namespace {

class ApiVersion final : public Analyzer {
 public:
  const AnalyzerMeta& meta() const override { return meta_; }

  void analyze(Context& ctx) const override {
    for (const KindInfo& ki : known_kinds()) {
      Kind kind = ki.kind;
      std::string expected =
          ki.group.empty() ? std::string(ki.versions[0]) : fmt::format("{}/{}", ki.group, ki.versions[0]);
      for (const Resource& r : ctx.rejected(kind)) {
        ctx.report(r, msg::ApiVersionNotServed(r.api_version, ki.name, expected));
      }
    }
  }

 private:
  AnalyzerMeta meta_{"api_version",
                     "Objects with an apiVersion the API server does not serve for their kind",
                     {},
                     {},
                     Hop::None};
};

}  // namespace

std::unique_ptr<Analyzer> make_api_version() { return std::make_unique<ApiVersion>(); }

}  // namespace grpcmesh::check::analyzers
