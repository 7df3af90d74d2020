#include <memory>

#include "cmd/api_flag.hpp"
#include "cmd/app.hpp"
#include "cmd/apply_flags.hpp"
#include "cmd/change_command.hpp"
#include "core/gatewayapi/stream.hpp"
#include "core/manifest/names.hpp"
#include "core/mesh/gatewayapi_read.hpp"
#include "core/stream/stream_command.hpp"

namespace grpcmesh::cmd {
namespace {

constexpr const char* kShort = "Keep long-lived gRPC streams on a host from being cut";
constexpr const char* kLong =
    "Keep long-lived gRPC streams on a host from being cut.\n\n"
    "Removes the timeout from the host's routes (an omitted timeout is disabled; Istio rejects 0s), or sets an\n"
    "explicit --timeout. Gives each backend of those routes one DestinationRule with connectionPool\n"
    "http.idleTimeout and tcp.tcpKeepalive (and tcp.maxConnectionDuration when asked); a DestinationRule that\n"
    "already exists for the backend is patched, co-owning only those fields, never duplicated. Reports gateway\n"
    "settings that cut streams (Istio 1.31+ connectionSettings, e.g. the EDGE profile's 5m stream idle and\n"
    "request timeouts) and changes the gateway pods only with --gateway-idle-timeout. Prints the timeouts a\n"
    "stream meets, from the client deadline to TCP keepalive, each with the object it comes from.\n"
    "A route timeout in a VirtualService owned by another field manager is reported with that owner; with\n"
    "--force-conflicts it is removed. --remove takes the connection settings away again.\n\n"
    "With --api gateway-api (a host of a Gateway API Gateway of class istio) the backends are those of the\n"
    "host's GRPCRoutes and HTTPRoutes, and they get the same DestinationRules: Istio applies them to the\n"
    "clusters those routes send to. A GRPCRoute has no timeouts field and Istio gives its routes none, so no\n"
    "route changes; an HTTPRoute rule's timeouts.request cuts streams and is reported. --timeout and\n"
    "--gateway-idle-timeout are for Istio's API (istiod deploys and keeps a Gateway API Gateway's pods).\n"
    "Without --api the command keeps the API the host uses.";
constexpr const char* kExamples =
    "Examples:\n"
    "  # Make every route of grpc.example.com safe for long streams\n"
    "  kubectl grpcmesh stream --host grpc.example.com\n\n"
    "  # Only the routes of one gRPC service, with a 1h idle timeout upstream\n"
    "  kubectl grpcmesh stream --host grpc.example.com --grpc-service chat.Room --idle-timeout 1h\n\n"
    "  # Also raise the gateway's stream idle timeout (restarts the gateway pods)\n"
    "  kubectl grpcmesh stream --host grpc.example.com --gateway-idle-timeout 1h\n\n"
    "  # Print the DestinationRule for a backend without a cluster\n"
    "  kubectl grpcmesh stream --host grpc.example.com --backend apps/greeter --dry-run=client -o yaml\n\n"
    "  # The same against a GitOps repository's manifests, printing the changed objects\n"
    "  kubectl grpcmesh stream --host grpc.example.com --local -f deploy/\n\n"
    "  # The DestinationRule for a backend of a Gateway API host, without a cluster\n"
    "  kubectl grpcmesh stream --host grpc.example.com --api gateway-api --backend apps/greeter --dry-run=client -o yaml\n\n"
    "  # Remove the connection settings again\n"
    "  kubectl grpcmesh stream --host grpc.example.com --remove";

struct StreamFlags {
  std::string host;
  std::vector<std::string> grpc_services;
  std::string timeout;
  std::string idle_timeout = "24h";
  std::string keepalive_time = "5m";
  std::string keepalive_interval = "30s";
  int keepalive_probes = 3;
  std::string max_connection_duration;
  std::string gateway_idle_timeout;
  std::vector<std::string> backends;
  std::string cluster_domain = "cluster.local";
  bool remove = false;
  std::string api;
  ApplyFlags apply;
};

stream::StreamOptions to_options(const StreamFlags& f) {
  manifest::validate_host(f.host);
  stream::StreamOptions o;
  o.host = f.host;
  for (const auto& s : f.grpc_services) {
    manifest::validate_grpc_service(s);
    o.prefixes.push_back(manifest::grpc_service_prefix(s));
  }
  if (!f.timeout.empty()) {
    o.route_timeout = stream::parse_duration_flag(f.timeout, "--timeout");
  }
  o.idle_timeout = stream::parse_duration_flag(f.idle_timeout, "--idle-timeout");
  o.keepalive_time = stream::parse_duration_flag(f.keepalive_time, "--keepalive-time");
  o.keepalive_interval = stream::parse_duration_flag(f.keepalive_interval, "--keepalive-interval");
  o.keepalive_probes = f.keepalive_probes;
  if (!f.max_connection_duration.empty()) {
    o.max_connection_duration = stream::parse_duration_flag(f.max_connection_duration, "--max-connection-duration");
  }
  if (!f.gateway_idle_timeout.empty()) {
    o.gateway_idle_timeout = stream::parse_duration_flag(f.gateway_idle_timeout, "--gateway-idle-timeout");
  }
  o.backends = f.backends;
  o.cluster_domain = f.cluster_domain;
  o.remove = f.remove;
  stream::validate_stream_options(o);
  return o;
}

}  // namespace

void register_stream(CLI::App& root, Context& ctx) {
  auto flags = std::make_shared<StreamFlags>();
  auto* sub = root.add_subcommand("stream", kShort);
  sub->description(kLong);
  sub->footer(kExamples);
  sub->add_option("--host", flags->host, "The host name clients use")->required();
  sub->add_option("--grpc-service", flags->grpc_services,
                  "Only the routes of this fully qualified gRPC service (repeatable); none: every route");
  sub->add_option("--timeout", flags->timeout,
                  "An explicit route timeout (e.g. 1h); omit it for none (0s is rejected by Istio)");
  sub->add_option("--idle-timeout", flags->idle_timeout, "Upstream connectionPool.http.idleTimeout")
      ->capture_default_str();
  sub->add_option("--keepalive-time", flags->keepalive_time, "Upstream TCP keepalive: idle time before probing")
      ->capture_default_str();
  sub->add_option("--keepalive-interval", flags->keepalive_interval, "Upstream TCP keepalive: time between probes")
      ->capture_default_str();
  sub->add_option("--keepalive-probes", flags->keepalive_probes, "Upstream TCP keepalive: probes before giving up")
      ->capture_default_str();
  sub->add_option("--max-connection-duration", flags->max_connection_duration,
                  "Upstream connectionPool.tcp.maxConnectionDuration (default: unset, no limit)");
  sub->add_option("--gateway-idle-timeout", flags->gateway_idle_timeout,
                  "Set the gateway pods' stream idle timeout (connectionSettings.httpStreamIdleTimeout); restarts them");
  sub->add_option("--backend", flags->backends,
                  "NAMESPACE/SERVICE to configure (repeatable; default: the backends of the host's routes; needed "
                  "with --dry-run=client)");
  sub->add_option("--cluster-domain", flags->cluster_domain, "The cluster's DNS domain")->capture_default_str();
  sub->add_flag("--remove", flags->remove, "Remove the connection settings this command set");
  bind_api_flag(*sub, flags->api);
  bind_apply_flags(*sub, flags->apply);
  sub->callback([&ctx, flags] {
    ChangeCommand command = change_command(flags->apply);
    auto options = std::make_shared<stream::StreamOptions>(to_options(*flags));
    options->field_manager = command.apply.field_manager;
    options->force = command.apply.force_conflicts;
    const std::optional<gatewayapi::Api> api = api_from_flag(flags->api);
    if (api == gatewayapi::Api::GatewayApi) {
      // The flags of Istio's API alone, refused before anything is read.
      gatewayapi::check_stream_options(*options);
    }
    command.plan = [options, api](mesh::ClusterState* state) {
      const gatewayapi::ApiChoice choice = mesh::choose_api(state, api, options->host, {{"istio", "ingressgateway"}});
      mesh::ChangeSet cs;
      if (choice.api == gatewayapi::Api::GatewayApi) {
        cs = gatewayapi::plan_stream(*options, state ? mesh::read_gateway_stream_facts(*state, *options)
                                                     : gatewayapi::stream_facts_from_flags(*options));
      } else {
        cs = stream::plan_stream(*options, state ? stream::read_stream_facts(*state, *options)
                                                 : stream::stream_facts_from_flags(*options));
      }
      cs.notes.insert(cs.notes.begin(), gatewayapi::describe(choice));
      return cs;
    };
    ctx.action = [&ctx, command] { return run_change_command(ctx, command); };
  });
}

}  // namespace grpcmesh::cmd
