#include <fmt/format.h>

#include <memory>

#include "cmd/api_flag.hpp"
#include "cmd/app.hpp"
#include "cmd/apply_flags.hpp"
#include "cmd/change_command.hpp"
#include "core/manifest/names.hpp"
#include "core/manifest/retry_policy.hpp"
#include "core/gatewayapi/expose.hpp"
#include "core/mesh/expose_command.hpp"
#include "core/mesh/gatewayapi_read.hpp"
#include "core/stream/duration.hpp"
#include "core/util/error.hpp"

namespace grpcmesh::cmd {
namespace {

constexpr const char* kShort = "Route a host's gRPC services to a Service through the gateway";
constexpr const char* kLong =
    "Route a host's gRPC services to a Service through the gateway.\n\n"
    "Picks the Service's gRPC port (the only port, or --port) and makes it HTTP/2 for Istio: by default it\n"
    "sets appProtocol: grpc with server-side apply (the port keeps its name, so references to it keep\n"
    "working); --port-naming name renames the port to grpc-<name> instead. Then it writes the host's\n"
    "VirtualService, bound to the host's Gateway: one http route per --grpc-service matching the prefix\n"
    "/package.Service/, or a catch-all when none is given, to the Service's FQDN and port. Routes from\n"
    "earlier runs for other Services are kept (specific prefixes first, the catch-all last), so Services in\n"
    "several namespaces can share a host. A prefix already routed to another Service is an error unless\n"
    "--force-conflicts. --remove takes the Service's routes and port setting away again.\n\n"
    "Without --retries, --retry-on or --per-try-timeout the routes carry no retry policy and Istio's default\n"
    "applies: 2 retries on connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes. A\n"
    "--retry-on list replaces that list: keep a gRPC status in it (cancelled, deadline-exceeded, internal,\n"
    "resource-exhausted, unavailable; gRPC failures arrive as HTTP 200, so 5xx never matches them).\n"
    "--per-try-timeout starts when the request is complete, so it cuts server streams longer than it; on a\n"
    "host whose streams the stream command keeps open, or when --protoset shows that a routed method streams\n"
    "its responses, it needs --allow-stream-cut. A re-run without the retry flags goes back to Istio's\n"
    "default.\n\n"
    "With --api gateway-api it writes the host's GRPCRoute instead, in the namespace of the host's Gateway\n"
    "(the one with a listener for the host, or --gateway): one rule per Service, matching its --grpc-service\n"
    "names (method.service) and --grpc-method SERVICE/METHOD (one method), or every call when none is given,\n"
    "with backendRefs to the Service port. The port gets appProtocol: kubernetes.io/h2c (--app-protocol grpc\n"
    "for grpc), which Istio reads as HTTP/2. When the Service is in another namespace than the route, a\n"
    "ReferenceGrant in the Service's namespace lets the route send to it. Without --api the command keeps\n"
    "the API the host uses.";
constexpr const char* kExamples =
    "Examples:\n"
    "  # Route helloworld.Greeter on grpc.example.com to Service greeter in namespace apps\n"
    "  kubectl grpcmesh expose greeter -n apps --host grpc.example.com --grpc-service helloworld.Greeter\n\n"
    "  # Route everything else on the host to Service echo in namespace other (catch-all)\n"
    "  kubectl grpcmesh expose echo -n other --host grpc.example.com --port 9000\n\n"
    "  # Print the objects without a cluster\n"
    "  kubectl grpcmesh expose greeter -n apps --host grpc.example.com --port 50051 \\\n"
    "      --gateway-namespace istio-system --dry-run=client -o yaml\n\n"
    "  # Retry UNAVAILABLE and RESOURCE_EXHAUSTED up to 3 times, each try at most 2s\n"
    "  kubectl grpcmesh expose greeter -n apps --host grpc.example.com --grpc-service helloworld.Greeter \\\n"
    "      --retries 3 --retry-on unavailable,resource-exhausted --per-try-timeout 2s\n\n"
    "  # Turn Istio's default retries off for greeter\n"
    "  kubectl grpcmesh expose greeter -n apps --host grpc.example.com --retries 0\n\n"
    "  # Merge the route into the manifests of a GitOps repository; print the changed objects\n"
    "  kubectl grpcmesh expose greeter -n apps --host grpc.example.com --local -f deploy/\n\n"
    "  # Route one method through the host's Gateway API Gateway\n"
    "  kubectl grpcmesh expose greeter -n apps --host grpc.example.com --api gateway-api \\\n"
    "      --grpc-method helloworld.Greeter/SayHello\n\n"
    "  # Stop routing to greeter\n"
    "  kubectl grpcmesh expose greeter -n apps --host grpc.example.com --remove";

struct ExposeFlags {
  std::string service;
  std::string host;
  std::vector<std::string> grpc_services;
  int port = 0;
  std::string port_naming = "appProtocol";
  std::string gateway;
  std::string gateway_namespace;
  std::string cluster_domain = "cluster.local";
  bool remove = false;
  int retries = -1;
  std::string retry_on;
  std::string per_try_timeout;
  bool allow_stream_cut = false;
  std::string protoset;
  std::string api;
  std::vector<std::string> grpc_methods;
  std::string app_protocol;
  ApplyFlags apply;
};

// The flags that only one API knows, refused for the other.
void check_api_flags(const ExposeFlags& f, gatewayapi::Api api) {
  if (api == gatewayapi::Api::Istio) {
    if (!f.grpc_methods.empty() || !f.app_protocol.empty()) {
      throw UsageError(fmt::format("{} is for the Gateway API's GRPCRoute; pass --api gateway-api",
                                   f.grpc_methods.empty() ? "--app-protocol" : "--grpc-method"));
    }
    return;
  }
  const char* istio_only = f.retries >= 0                  ? "--retries"
                           : !f.retry_on.empty()            ? "--retry-on"
                           : !f.per_try_timeout.empty()     ? "--per-try-timeout"
                           : f.port_naming != "appProtocol" ? "--port-naming"
                           : !f.protoset.empty()            ? "--protoset"
                                                            : nullptr;
  if (istio_only != nullptr) {
    throw UsageError(fmt::format("{} is for Istio's VirtualService (a GRPCRoute of the standard channel has no retry "
                                 "policy); pass --api istio, or drop it",
                                 istio_only));
  }
}

gatewayapi::ExposeOptions to_gateway_options(const ExposeFlags& f) {
  gatewayapi::ExposeOptions o;
  o.service = f.service;
  o.host = f.host;
  o.grpc_services = f.grpc_services;
  for (const auto& m : f.grpc_methods) {
    o.grpc_methods.push_back(gatewayapi::parse_grpc_method(m));
  }
  if (f.port != 0) {
    o.port = f.port;
  }
  if (!f.app_protocol.empty()) {
    o.app_protocol = f.app_protocol;
  }
  o.gateway = f.gateway;
  o.gateway_namespace = f.gateway_namespace;
  o.remove = f.remove;
  return o;
}

}  // namespace

void register_expose(CLI::App& root, Context& ctx) {
  auto flags = std::make_shared<ExposeFlags>();
  auto* sub = root.add_subcommand("expose", kShort);
  sub->description(kLong);
  sub->footer(kExamples);
  sub->add_option("SERVICE", flags->service, "The Service to route to (in the -n namespace)")->required();
  sub->add_option("--host", flags->host, "The host name clients use")->required();
  sub->add_option("--grpc-service", flags->grpc_services,
                  "Fully qualified gRPC service to route (repeatable); none routes everything");
  sub->add_option("--port", flags->port, "The Service port that serves gRPC (needed when it has several)")
      ->check(CLI::Range(1, 65535));
  sub->add_option("--port-naming", flags->port_naming,
                  "How to make the port HTTP/2: appProtocol (set appProtocol: grpc) or name (rename to grpc-*)")
      ->check(CLI::IsMember({"appProtocol", "name"}))
      ->capture_default_str();
  sub->add_option("--gateway", flags->gateway, "Bind to this Gateway (NAMESPACE/NAME) instead of those serving the host");
  sub->add_option("--gateway-namespace", flags->gateway_namespace,
                  "Namespace of the host's Gateway (needed with --dry-run=client; --local finds it in the files)");
  sub->add_option("--cluster-domain", flags->cluster_domain, "The cluster's DNS domain")->capture_default_str();
  sub->add_option("--retries", flags->retries,
                  "Retries per call on the Service's routes (0 turns Istio's default retries off)")
      ->check(CLI::Range(0, 1000000));
  sub->add_option("--retry-on", flags->retry_on,
                  "Comma-separated conditions to retry on: gRPC statuses (unavailable, cancelled, deadline-exceeded, "
                  "internal, resource-exhausted), Envoy's (connect-failure, refused-stream, reset, 5xx, ...), HTTP "
                  "codes");
  sub->add_option("--per-try-timeout", flags->per_try_timeout,
                  "Time limit of each try, e.g. 2s (cuts server streams that last longer)");
  sub->add_flag("--allow-stream-cut", flags->allow_stream_cut,
                "Set --per-try-timeout even on a host whose streams the stream command keeps open, or for "
                "server-streaming methods");
  sub->add_option("--protoset", flags->protoset,
                  "The services' protoset (protoc --include_imports --descriptor_set_out): --per-try-timeout then "
                  "needs --allow-stream-cut when a routed method streams its responses");
  sub->add_flag("--remove", flags->remove, "Remove this Service's routes and port setting");
  bind_api_flag(*sub, flags->api);
  sub->add_option("--grpc-method", flags->grpc_methods,
                  "--api gateway-api: one method to route, SERVICE/METHOD (repeatable, with or without --grpc-service)");
  sub->add_option("--app-protocol", flags->app_protocol,
                  "--api gateway-api: the appProtocol that makes the port HTTP/2 (default kubernetes.io/h2c)")
      ->check(CLI::IsMember({"kubernetes.io/h2c", "grpc"}));
  bind_apply_flags(*sub, flags->apply);
  sub->callback([&ctx, flags] {
    const ExposeFlags& f = *flags;
    manifest::validate_host(f.host);
    auto o = std::make_shared<mesh::ExposeOptions>();
    o->service = f.service;
    o->host = f.host;
    for (const auto& s : f.grpc_services) {
      manifest::validate_grpc_service(s);
      o->grpc_services.push_back(s);
    }
    if (f.port != 0) {
      o->port = f.port;
    }
    o->port_naming = f.port_naming == "name" ? mesh::PortNaming::Name : mesh::PortNaming::AppProtocol;
    if (!f.gateway.empty() && f.gateway.find('/') == std::string::npos) {
      throw UsageError(fmt::format("--gateway {} needs the namespace: NAMESPACE/NAME", f.gateway));
    }
    o->gateway = f.gateway;
    o->gateway_namespace = f.gateway_namespace;
    o->cluster_domain = f.cluster_domain;
    o->remove = f.remove;
    if (f.retries >= 0) {
      o->retries = f.retries;
    }
    if (!f.retry_on.empty()) {
      o->retry_on = manifest::normalize_retry_on(f.retry_on);
    }
    if (!f.per_try_timeout.empty()) {
      o->per_try_timeout = stream::parse_duration_flag(f.per_try_timeout, "--per-try-timeout");
    }
    o->allow_stream_cut = f.allow_stream_cut;
    if (!f.protoset.empty()) {
      o->methods = mesh::read_protoset(f.protoset, "--protoset");
      o->protoset = "--protoset " + f.protoset;
    }
    ChangeCommand command = change_command(f.apply);
    o->force = command.apply.force_conflicts;
    o->field_manager = command.apply.field_manager;
    const std::optional<gatewayapi::Api> api = api_from_flag(f.api);
    if (api) {
      check_api_flags(f, *api);
    }
    auto g = std::make_shared<gatewayapi::ExposeOptions>(to_gateway_options(f));
    g->force = command.apply.force_conflicts;
    command.plan = [&ctx, flags, o, g, api, local = command.local](mesh::ClusterState* state) {
      o->namespace_name = target_namespace(ctx, local);
      const gatewayapi::ApiChoice choice = mesh::choose_api(state, api, o->host, {{"istio", "ingressgateway"}});
      check_api_flags(*flags, choice.api);
      mesh::ChangeSet cs;
      if (choice.api == gatewayapi::Api::GatewayApi) {
        g->namespace_name = o->namespace_name;
        cs = gatewayapi::plan_expose(*g, state ? mesh::read_gateway_expose_facts(*state, *g)
                                               : gatewayapi::expose_facts_from_flags(*g));
      } else {
        cs = mesh::plan_expose(*o, state ? mesh::read_expose_facts(*state, *o) : mesh::expose_facts_from_flags(*o));
      }
      cs.notes.insert(cs.notes.begin(), gatewayapi::describe(choice));
      return cs;
    };
    ctx.action = [&ctx, command] { return run_change_command(ctx, command); };
  });
}

}  // namespace grpcmesh::cmd
