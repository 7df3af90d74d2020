// gRPC-Web through an HTTPS gateway server needs an EnvoyFilter adding
// envoy.filters.http.grpc_web: Pilot adds it only to plaintext GRPC-WEB
// servers. The filter must sit in the gateway workload's namespace (or the
// root namespace) and its workloadSelector must pick the gateway pods.
#include <set>

#include "core/check/analyzers/analyzers.hpp"
#include "core/check/mesh.hpp"

namespace grpcmesh::check::analyzers {
namespace {

constexpr std::string_view kRootNamespace = "istio-system";

bool is_grpc_web_filter(const Resource& filter) {
  return filter.spec().dump().find("envoy.filters.http.grpc_web") != std::string::npos;
}

// The labels known to be on the gateway pods: theirs when Pods are readable,
// else the Gateway's selector and that of the Service in front of it.
struct Workload {
  std::set<std::string> namespaces;
  std::vector<mesh::Labels> labels;
};

Workload workload_of(const Context& ctx, const Resource& gw) {
  Workload w;
  Node selector = gw.spec()["selector"];
  for (const std::string& ns : mesh::workload_namespaces(ctx, gw)) {
    w.namespaces.insert(ns);
  }
  ctx.list(Kind::Pod);  // (read through the label index)
  for (const Resource* pod : mesh::selected_pods(ctx, selector)) {
    w.labels.push_back(mesh::labels_of(pod->labels()));
  }
  if (w.labels.empty()) {
    mesh::Labels merged = mesh::labels_of(selector);
    for (const Resource* svc : mesh::agreeing_services(ctx, selector)) {
      Node svc_selector = svc->spec()["selector"];
      if (w.namespaces.count(svc->namespace_name) && mesh::selects(selector, svc_selector)) {
        for (auto& [key, value] : mesh::labels_of(svc_selector)) {
          merged.insert_or_assign(key, value);
        }
      }
    }
    w.labels.push_back(std::move(merged));
  }
  return w;
}

bool selects_workload(const Resource& filter, const Workload& w) {
  Node labels = filter.spec()["workloadSelector"]["labels"];
  if (!labels.is_object() || labels.empty()) {
    return true;  // no selector: every workload in its namespace
  }
  for (const auto& l : w.labels) {
    if (mesh::selects(labels, l)) {
      return true;
    }
  }
  return false;
}

bool in_scope(const Resource& filter, const Workload& w) {
  return filter.namespace_name == kRootNamespace || w.namespaces.count(filter.namespace_name) > 0;
}

bool has_cors(const Resource& vs) {
  for (Node r : vs.spec()["http"]) {
    if (field(r, "corsPolicy").is_object()) {
      return true;
    }
  }
  return false;
}

class GrpcWebFilter final : public Analyzer {
 public:
  const AnalyzerMeta& meta() const override { return meta_; }

  void analyze(Context& ctx) const override {
    std::vector<const Resource*> filters;
    for (const Resource& f : ctx.list(Kind::EnvoyFilter)) {
      if (is_grpc_web_filter(f)) {
        filters.push_back(&f);
      }
    }
    check_filters(ctx, filters);
    for (const Resource& vs : ctx.list(Kind::VirtualService)) {
      if (!has_cors(vs)) {
        continue;
      }
      for (const Resource* gw : mesh::bound_gateways(ctx, vs)) {
        Workload w = workload_of(ctx, *gw);
        bool installed = false;
        for (const Resource* f : filters) {
          installed = installed || (in_scope(*f, w) && selects_workload(*f, w));
        }
        if (installed) {
          continue;
        }
        for (const std::string& host : mesh::hosts(vs)) {
          for (Node server : mesh::servers_for_host(*gw, host)) {
            if (mesh::upper(server["port"]["protocol"].str()) == "HTTPS") {
              int port = server["port"]["number"].get<int>();
              ctx.report(vs, msg::GrpcWebFilterMissing(host, port, gw->namespace_name + "/" + gw->name).for_host(host));
            }
          }
        }
      }
    }
  }

 private:
  static void check_filters(Context& ctx, const std::vector<const Resource*>& filters) {
    if (filters.empty()) {
      return;
    }
    std::vector<Workload> workloads;
    for (const Resource& gw : ctx.list(Kind::Gateway)) {
      workloads.push_back(workload_of(ctx, gw));
    }
    for (const Resource* f : filters) {
      bool scoped = false;
      bool selected = false;
      std::string workload_ns;
      for (const Workload& w : workloads) {
        if (!w.namespaces.empty() && workload_ns.empty()) {
          workload_ns = *w.namespaces.begin();
        }
        scoped = scoped || in_scope(*f, w);
        selected = selected || (in_scope(*f, w) && selects_workload(*f, w));
      }
      if (workloads.empty() || workload_ns.empty()) {
        continue;  // no gateway known: nothing to compare with
      }
      if (!scoped) {
        ctx.report(*f, msg::GrpcWebFilterWrongNamespace(f->namespace_name, workload_ns));
      } else if (!selected) {
        ctx.report(*f, msg::GrpcWebFilterNotSelectingGateway(
                           mesh::selector_string(field(field(f->spec(), "workloadSelector"), "labels"))));
      }
    }
  }

  AnalyzerMeta meta_{"grpc_web_filter",
                     "gRPC-Web filter: absent where browsers call through HTTPS, in the wrong namespace, not selecting the gateway",
                     {Kind::VirtualService, Kind::Gateway, Kind::Service},
                     {Kind::EnvoyFilter, Kind::Pod},
                     Hop::Route};
};

}  // namespace

std::unique_ptr<Analyzer> make_grpc_web_filter() { return std::make_unique<GrpcWebFilter>(); }

}  // namespace grpcmesh::check::analyzers
