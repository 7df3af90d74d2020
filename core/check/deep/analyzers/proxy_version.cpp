// The gateway pod's Istio version (ISTIO_VERSION in its node metadata, as
// /debug/syncz shows it) against the version of the istiod it is connected to
// (its /version), compared as major.minor: istiod generates configuration for
// its own version.
#include "core/check/deep/deep_analyzer.hpp"

namespace grpcmesh::check::deep::analyzers {
namespace {

// "1.31" of "1.31.0", "1.31.0-dev+abc", "1.31-alpha.x"; "" when it does not start with N.N.
std::string minor_of(std::string_view v) {
  auto first = v.find('.');
  if (first == std::string_view::npos || first == 0) {
    return "";
  }
  size_t end = first + 1;
  while (end < v.size() && v[end] >= '0' && v[end] <= '9') {
    ++end;
  }
  return end == first + 1 ? std::string() : std::string(v.substr(0, end));
}

class ProxyVersion final : public DeepAnalyzer {
 public:
  const DeepMeta& meta() const override { return meta_; }

  void analyze(DeepContext& ctx) const override {
    if (ctx.pod.sync == nullptr || ctx.pod.istiod_version.empty()) {
      return;
    }
    const std::string& pod = ctx.pod.sync->istio_version;
    std::string a = minor_of(pod), b = minor_of(ctx.pod.istiod_version);
    if (a.empty() || b.empty() || a == b) {
      return;
    }
    ctx.report(msg::DeepProxyVersion(ctx.pod.proxy, pod, ctx.pod.sync->istiod, ctx.pod.istiod_version,
                                     ctx.pod.pod->namespace_name));
  }

 private:
  DeepMeta meta_{"proxy_version", "Each gateway pod runs the Istio version of the istiod it is connected to",
                 Hop::Server};
};

}  // namespace

std::unique_ptr<DeepAnalyzer> make_proxy_version() { return std::make_unique<ProxyVersion>(); }

}  // namespace grpcmesh::check::deep::analyzers
