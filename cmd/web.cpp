#include <memory>

#include <fmt/format.h>

#include "cmd/api_flag.hpp"
#include "cmd/app.hpp"
#include "cmd/apply_flags.hpp"
#include "cmd/change_command.hpp"
#include "core/gatewayapi/web.hpp"
#include "core/manifest/names.hpp"
#include "core/mesh/gatewayapi_read.hpp"
#include "core/stream/duration.hpp"
#include "core/stream/web_command.hpp"
#include "core/util/error.hpp"

namespace grpcmesh::cmd {
namespace {

constexpr const char* kShort = "Enable gRPC-Web for a host, with CORS that browsers accept";
constexpr const char* kLong =
    "Enable gRPC-Web for a host, with CORS that browsers accept.\n\n"
    "Adds the envoy.filters.http.grpc_web filter to the gateway pods with an EnvoyFilter in their namespace\n"
    "(Istio adds it only to plaintext GRPC-WEB servers, never to HTTPS ones), unless an equivalent filter\n"
    "exists. Puts a corsPolicy on every route of the host that the browser's preflight (OPTIONS) matches:\n"
    "the allowed origins, methods POST and OPTIONS, the headers gRPC-Web sends (content-type, x-grpc-web,\n"
    "x-user-agent, grpc-timeout, plus --allow-header) and exposes grpc-status, grpc-message and\n"
    "grpc-status-details-bin. A route that matches only on content-type never sees the preflight; such\n"
    "routes are reported and get a preflight route in front of them. --remove takes the CORS policy off and\n"
    "removes the filter when no other host on the gateway pods uses it.\n\n"
    "With --api gateway-api (a host of a Gateway API Gateway of class istio) the filter goes to the pods Istio\n"
    "deploys for the host's Gateway (label gateway.networking.k8s.io/gateway-name, in the Gateway's namespace),\n"
    "and the CORS policy to the host's virtual hosts with a second EnvoyFilter: a GRPCRoute has no CORS\n"
    "filter, and its routes take the preflight and the browser's calls before any HTTPRoute rule for the same\n"
    "service. Without --api the command keeps the API the host uses.";
constexpr const char* kExamples =
    "Examples:\n"
    "  # Let https://app.example.com call grpc.example.com from the browser\n"
    "  kubectl grpcmesh web --host grpc.example.com --allow-origin https://app.example.com\n\n"
    "  # Any subdomain of example.com, sending an authorization header with credentials\n"
    "  kubectl grpcmesh web --host grpc.example.com --allow-origin-regex 'https://.*\\.example\\.com' \\\n"
    "      --allow-header authorization --allow-credentials\n\n"
    "  # Print the EnvoyFilter without a cluster\n"
    "  kubectl grpcmesh web --host grpc.example.com --allow-origin https://app.example.com \\\n"
    "      --gateway-namespace istio-system --dry-run=client -o yaml\n\n"
    "  # CORS on the routes a GitOps repository holds, printed as the changed objects\n"
    "  kubectl grpcmesh web --host grpc.example.com --allow-origin https://app.example.com \\\n"
    "      --gateway-namespace istio-system --local -f deploy/\n\n"
    "  # The same for a host of a Gateway API Gateway, printed without a cluster\n"
    "  kubectl grpcmesh web --host grpc.example.com --allow-origin https://app.example.com --api gateway-api \\\n"
    "      --gateway-namespace istio-ingress --dry-run=client -o yaml\n\n"
    "  # Turn gRPC-Web off again\n"
    "  kubectl grpcmesh web --host grpc.example.com --remove";

struct WebFlags {
  std::string host;
  std::vector<std::string> origins;
  std::vector<std::string> origin_regexes;
  std::vector<std::string> headers;
  bool credentials = false;
  std::string max_age = "24h";
  std::string selector = "istio=ingressgateway";
  std::string gateway_namespace;
  std::string gateway;
  std::string api;
  bool remove = false;
  ApplyFlags apply;
};

gatewayapi::WebOptions to_gateway_options(const WebFlags& f, const stream::WebOptions& o) {
  gatewayapi::WebOptions g;
  g.host = o.host;
  g.cors = o.cors;
  g.gateway = f.gateway;
  g.gateway_namespace = f.gateway_namespace;
  g.remove = o.remove;
  return g;
}

stream::WebOptions to_options(const WebFlags& f) {
  manifest::validate_host(f.host);
  stream::WebOptions o;
  o.host = f.host;
  o.cors.origins = f.origins;
  o.cors.origin_regexes = f.origin_regexes;
  o.cors.extra_headers = f.headers;
  o.cors.allow_credentials = f.credentials;
  const stream::Duration max_age = stream::parse_duration_flag(f.max_age, "--max-age");
  if (max_age.count() < 1000) {
    throw UsageError("--max-age must be at least 1s; it is how long browsers cache the preflight answer");
  }
  o.cors.max_age = stream::format_duration(max_age);
  o.selector = mesh::parse_selector(f.selector);
  o.gateway_namespace = f.gateway_namespace;
  o.remove = f.remove;
  if (!o.remove) {
    manifest::validate_cors(o.cors);
  }
  return o;
}

}  // namespace

void register_web(CLI::App& root, Context& ctx) {
  auto flags = std::make_shared<WebFlags>();
  auto* sub = root.add_subcommand("web", kShort);
  sub->description(kLong);
  sub->footer(kExamples);
  sub->add_option("--host", flags->host, "The host name clients use")->required();
  sub->add_option("--allow-origin", flags->origins,
                  "An origin browsers may call from, exactly as sent (https://app.example.com; repeatable)");
  sub->add_option("--allow-origin-regex", flags->origin_regexes, "An origin pattern (RE2; repeatable)");
  sub->add_option("--allow-header", flags->headers,
                  "A request header to allow besides gRPC-Web's own, e.g. authorization (repeatable)");
  sub->add_flag("--allow-credentials", flags->credentials, "Allow credentialed requests (cookies, client certificates)");
  sub->add_option("--max-age", flags->max_age, "How long browsers cache the preflight answer")->capture_default_str();
  auto* selector = sub->add_option("--selector", flags->selector, "Labels of the gateway pods (with --dry-run=client)")
                       ->capture_default_str();
  sub->add_option("--gateway-namespace", flags->gateway_namespace,
                  "Namespace of the gateway pods (needed with --dry-run=client, and with --local when the files hold no gateway Pods)");
  sub->add_option("--gateway", flags->gateway,
                  "--api gateway-api: the host's Gateway, NAMESPACE/NAME (default: the one with a listener for the host)");
  sub->add_flag("--remove", flags->remove, "Take the CORS policy off and remove the filter when unused");
  bind_api_flag(*sub, flags->api);
  bind_apply_flags(*sub, flags->apply);
  sub->callback([&ctx, flags, selector] {
    ChangeCommand command = change_command(flags->apply);
    auto options = std::make_shared<stream::WebOptions>(to_options(*flags));
    options->field_manager = command.apply.field_manager;
    options->force = command.apply.force_conflicts;
    if (!flags->gateway.empty() && flags->gateway.find('/') == std::string::npos) {
      throw UsageError(fmt::format("--gateway {} needs the namespace: NAMESPACE/NAME", flags->gateway));
    }
    const std::optional<gatewayapi::Api> api = api_from_flag(flags->api);
    const bool selector_given = selector->count() > 0;
    auto check = [flags, selector_given](gatewayapi::Api chosen) {
      if (chosen == gatewayapi::Api::Istio && !flags->gateway.empty()) {
        throw UsageError("--gateway names a Gateway API Gateway; pass --api gateway-api");
      }
      if (chosen == gatewayapi::Api::GatewayApi && selector_given) {
        throw UsageError("--selector is for Istio's ingress gateway pods; a Gateway API Gateway's pods are the ones "
                         "Istio deploys for it (pass --gateway or --gateway-namespace), or pass --api istio");
      }
    };
    if (api) {
      check(*api);
    }
    auto g = std::make_shared<gatewayapi::WebOptions>(to_gateway_options(*flags, *options));
    command.plan = [options, g, api, check](mesh::ClusterState* state) {
      const gatewayapi::ApiChoice choice = mesh::choose_api(state, api, options->host, options->selector);
      check(choice.api);
      mesh::ChangeSet cs;
      if (choice.api == gatewayapi::Api::GatewayApi) {
        cs = gatewayapi::plan_web(*g, state ? mesh::read_gateway_web_facts(*state, *g)
                                            : gatewayapi::web_facts_from_flags(*g));
      } else {
        cs = stream::plan_web(*options, state ? stream::read_web_facts(*state, *options)
                                              : stream::web_facts_from_flags(*options));
      }
      cs.notes.insert(cs.notes.begin(), gatewayapi::describe(choice));
      return cs;
    };
    ctx.action = [&ctx, command] { return run_change_command(ctx, command); };
  });
}

}  // namespace grpcmesh::cmd
