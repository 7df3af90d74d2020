// `kubectl grpcmesh check`: flags -> check::Options -> check::run_check.
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "cmd/app.hpp"
#include "core/check/check.hpp"
#include "core/check/live_loader.hpp"
#include "core/kube/client.hpp"
#include "core/kube/environment.hpp"
#include "core/kube/kubeconfig.hpp"
#include "core/kube/rest_config.hpp"
#include "core/util/error.hpp"
#include "core/util/terminal.hpp"

namespace grpcmesh::cmd {
namespace {

namespace deep = check::deep;

constexpr const char* kShort = "Diagnose the gRPC path through the Istio ingress gateway, live or from files";

constexpr const char* kLong =
    "Walks every host's path - client, load balancer, gateway server (port, protocol, TLS,\n"
    "certificate), route, Service port protocol, endpoints - plus stream timeouts and\n"
    "gRPC-Web/CORS, and reports each problem with a code (GMxxxx) and a fix.\n"
    "\n"
    "Reads the live cluster by default; -f adds files on top of it (what happens if I\n"
    "apply these?). With --offline, or when no cluster is configured at all, the files\n"
    "are the whole input. Analyzers whose input could not be read (RBAC, or absent from\n"
    "the files) are listed as skipped, never passed.\n"
    "\n"
    "Exit status: 0 nothing at or above --fail-on, 3 findings at or above it, 1 the\n"
    "check itself failed, 2 usage error.";

constexpr const char* kExamples =
    "Examples:\n"
    "  # Check every gRPC host of the current namespace in the cluster\n"
    "  kubectl grpcmesh check\n"
    "\n"
    "  # Check one host across all namespaces\n"
    "  kubectl grpcmesh check -A --host grpc.example.com\n"
    "\n"
    "  # What happens if I apply these manifests?\n"
    "  kubectl grpcmesh check -f deploy/\n"
    "\n"
    "  # Check a directory of manifests in CI, without a cluster, as SARIF\n"
    "  kubectl grpcmesh check --offline -f deploy/ -o sarif > check.sarif\n"
    "\n"
    "  # Fail on warnings too\n"
    "  kubectl grpcmesh check --offline -f deploy/ --fail-on warning\n"
    "\n"
    "  # Also verify what istiod sends each gateway pod serving the host\n"
    "  kubectl grpcmesh check --host grpc.example.com --deep";

struct CheckFlags {
  std::vector<std::string> filenames;
  bool offline = false;
  bool all_namespaces = false;
  std::string host;
  std::string fail_on = "error";
  std::string output;
  bool deep = false;
  std::string istio_namespace;
  std::string revision;
  std::string istiod_address;
};

bool nonempty_env(const kube::Environment& env, std::string_view name) {
  auto v = env.get(name);
  return v && !v->empty();
}

// Whether any cluster is configured at all: flags, a kubeconfig file that
// exists, or an in-cluster service account.
bool cluster_configured(const kube::ConnectionOptions& o, const kube::Environment& env) {
  if (!o.kubeconfig.empty() || !o.server.empty()) {
    return true;
  }
  for (const std::string& f : kube::kubeconfig_sources(o, env).files) {
    std::error_code ec;
    if (std::filesystem::exists(f, ec)) {
      return true;
    }
  }
  return nonempty_env(env, "KUBERNETES_SERVICE_HOST");
}

check::Options to_options(const CheckFlags& f, const Context& ctx, const kube::Environment& env) {
  check::Options o;
  o.files = f.filenames;
  // A host's Gateway, routes and backends usually live in different
  // namespaces (init and expose put the first two beside the gateway pods),
  // so --host without -n follows the host into every namespace.
  o.all_namespaces = f.all_namespaces || (!f.host.empty() && ctx.kube.namespace_name.empty());
  o.host = f.host;
  o.output = check::parse_output(f.output);
  check::parse_fail_on(f.fail_on, o);
  if (f.offline && f.filenames.empty()) {
    throw UsageError("--offline needs input: give -f FILE|DIR|- (repeatable)");
  }
  o.live = !f.offline && cluster_configured(ctx.kube, env);
  if (!f.deep && (!f.istio_namespace.empty() || !f.revision.empty() || !f.istiod_address.empty())) {
    throw UsageError("--istio-namespace, --revision and --istiod-address apply only with --deep");
  }
  if (f.deep && f.offline) {
    throw UsageError("--deep reads istiod in the cluster: it cannot be used with --offline");
  }
  if (f.deep && !o.live) {
    throw UsageError("--deep reads istiod in the cluster, and no cluster is configured (give --kubeconfig or set KUBECONFIG)");
  }
  if (!f.istiod_address.empty() &&
      (f.istiod_address.find(':') == std::string::npos || f.istiod_address.find('/') != std::string::npos)) {
    throw UsageError("invalid --istiod-address \"" + f.istiod_address +
                     "\": give HOST:PORT of istiod's debug port (15014)");
  }
  o.deep = f.deep;
  if (!ctx.kube.namespace_name.empty()) {
    o.namespace_name = ctx.kube.namespace_name;
  }
  // --color, NO_COLOR and TERM=dumb, decided once for every command.
  o.color = term::use_color(ctx.color, ctx.streams.out_is_tty, ctx.color_env);
  return o;
}

}  // namespace

void register_check(CLI::App& root, Context& ctx) {
  auto* sub = root.add_subcommand("check", kShort);
  sub->description(std::string(kShort) + "\n\n" + kLong);
  sub->footer(kExamples);
  auto flags = std::make_shared<CheckFlags>();
  sub->add_option("-f,--filename", flags->filenames,
                  "Manifests to check (file, directory read recursively, or - for stdin); repeatable")
      ->allow_extra_args(false);
  sub->add_flag("--offline", flags->offline, "Check only the files; never contact a cluster");
  sub->add_flag("-A,--all-namespaces", flags->all_namespaces, "Check the routes of every namespace");
  sub->add_option("--host", flags->host, "Only check the path of this host (e.g. grpc.example.com)");
  sub->add_option("--fail-on", flags->fail_on, "Exit 3 when a finding at or above this level exists: error, warning, info or none")
      ->capture_default_str();
  sub->add_option("-o,--output", flags->output, "Output format: json, yaml or sarif (default: a report per host)");
  sub->add_flag("--deep", flags->deep,
                "Also verify what istiod sends each gateway pod (listener, filters, routes, clusters, SDS, sync state)");
  sub->add_option("--istio-namespace", flags->istio_namespace, "With --deep: the namespace istiod runs in (default istio-system)");
  sub->add_option("--revision", flags->revision, "With --deep: the istiod revision to ask (its istio.io/rev label)");
  sub->add_option("--istiod-address", flags->istiod_address,
                  "With --deep: istiod's debug port as HOST:PORT, asked directly instead of through the API server");
  sub->callback([&ctx, flags] {
    auto env = std::make_shared<kube::Environment>(kube::Environment::from_process());
    auto options = std::make_shared<check::Options>(to_options(*flags, ctx, *env));
    deep::IstiodOptions istiod;
    if (!flags->istio_namespace.empty()) {
      istiod.istio_namespace = flags->istio_namespace;
    }
    istiod.revision = flags->revision;
    istiod.address = flags->istiod_address;
    ctx.action = [&ctx, env, options, istiod] {
      std::unique_ptr<kube::Client> client;
      if (options->live) {
        kube::RestConfig config = kube::load_rest_config(ctx.kube, *env);
        if (ctx.kube.namespace_name.empty()) {
          options->namespace_name = config.namespace_name;
        }
        client = std::make_unique<kube::Client>(std::move(config), ctx.streams.err);
      }
      // --deep: a progress line on a terminal while istiod is read, which
      // starts before the objects are (deep::Fetch) and is erased before the report.
      auto progress = std::make_shared<term::Progress>(ctx.streams.err, options->deep && ctx.show_progress(),
                                                       "check --deep: reading istiod");
      std::unique_ptr<deep::Fetch> fetch;
      auto live = [&](check::Snapshot& snapshot, const check::Options& o) {
        if (o.deep) {
          fetch = deep::fetch_istiod(*client, istiod, [progress](std::string_view s) { progress->update(s); });
        }
        check::load_live(snapshot, *client, o);
      };
      auto inspect = [&](const check::Snapshot& snapshot, const std::vector<std::string>& hosts,
                         std::vector<check::Message>& findings, Streams& streams) {
        if (!fetch) {
          fetch = deep::fetch_istiod(*client, istiod, [progress](std::string_view s) { progress->update(s); });
        }
        deep::DeepReport report = deep::inspect(snapshot, hosts, *fetch, findings);
        progress->finish();
        streams.err << fetch->take_log();
        return report;
      };
      return check::run_check(*options, live, ctx.streams, inspect);
    };
  });
}

}  // namespace grpcmesh::cmd
