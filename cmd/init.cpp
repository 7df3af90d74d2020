#include <fmt/format.h>

#include <memory>

#include "cmd/api_flag.hpp"
#include "cmd/app.hpp"
#include "cmd/apply_flags.hpp"
#include "cmd/change_command.hpp"
#include "core/manifest/names.hpp"
#include "core/gatewayapi/init.hpp"
#include "core/mesh/gatewayapi_read.hpp"
#include "core/mesh/init_command.hpp"
#include "core/tls/certificate.hpp"
#include "core/util/error.hpp"
#include "core/util/files.hpp"

namespace grpcmesh::cmd {
namespace {

constexpr const char* kShort = "Create the Gateway that serves gRPC for a host";
constexpr const char* kLong =
    "Create the Gateway that serves gRPC for a host.\n\n"
    "Finds the ingress gateway pods from --selector, their namespace and the Service in front of them, and\n"
    "creates (with server-side apply) a Gateway named after the host in that namespace: an HTTPS server\n"
    "(tls SIMPLE, or MUTUAL with --client-ca) whose credentialName is a Secret in the gateway pods'\n"
    "namespace, and/or a plaintext h2c server (protocol HTTP2) with --plaintext. The chosen ports must be\n"
    "exposed by the gateway Service (as port or targetPort). Re-running keeps the server kind not asked for;\n"
    "several hosts share one gateway workload, each with its own Gateway. --remove deletes what init created.\n\n"
    "With --api gateway-api it writes a gateway.networking.k8s.io/v1 Gateway instead (gatewayClassName istio,\n"
    "or --gateway-class), named after the host in --gateway-namespace (else -n): an HTTPS listener (tls mode\n"
    "Terminate, certificateRefs to the Secret in the Gateway's namespace) and/or an HTTP listener, which Istio\n"
    "serves as h2c, both admitting routes from the Gateway's namespace. --gateway NAMESPACE/NAME adds the\n"
    "host's listeners to an existing shared Gateway instead and leaves its other listeners alone. A port must be\n"
    "free on the Gateway or already the host's. --client-ca sets the Gateway's spec.tls.frontend: the clients of\n"
    "the HTTPS port must present a certificate signed by the CA, kept in ConfigMap HOST-client-ca (ca.crt) in\n"
    "the Gateway's namespace (Istio serves the listener with tls mode MUTUAL); the Gateway API asks per port,\n"
    "so the port must be the host's alone, on its own Gateway. Without --api the command keeps the API the host uses; a new\n"
    "host gets the Gateway API when the cluster serves it and runs no Istio ingress gateway pods (--selector).";
constexpr const char* kExamples =
    "Examples:\n"
    "  # Serve gRPC over TLS for grpc.example.com (then run `tls` and `expose`)\n"
    "  kubectl grpcmesh init --host grpc.example.com\n\n"
    "  # Add a plaintext h2c server on port 80 next to the HTTPS one\n"
    "  kubectl grpcmesh init --host grpc.example.com --plaintext\n\n"
    "  # Require client certificates issued by ca.crt\n"
    "  kubectl grpcmesh init --host grpc.example.com --client-ca ca.crt\n\n"
    "  # Serve the host from a Gateway API Gateway in namespace istio-ingress\n"
    "  kubectl grpcmesh init --host grpc.example.com --api gateway-api --gateway-namespace istio-ingress\n\n"
    "  # The same, and require client certificates issued by ca.crt (spec.tls.frontend)\n"
    "  kubectl grpcmesh init --host grpc.example.com --api gateway-api --gateway-namespace istio-ingress \\\n"
    "      --client-ca ca.crt\n\n"
    "  # Add the host's listener to a shared Gateway API Gateway\n"
    "  kubectl grpcmesh init --host grpc.example.com --api gateway-api --gateway infra/shared\n\n"
    "  # Print the Gateway without a cluster\n"
    "  kubectl grpcmesh init --host grpc.example.com --gateway-namespace istio-system --dry-run=client -o yaml\n\n"
    "  # Plan against the manifests of a GitOps repository instead of a cluster\n"
    "  kubectl grpcmesh init --host grpc.example.com --gateway-namespace istio-system --local -f deploy/\n\n"
    "  # Remove the Gateway again\n"
    "  kubectl grpcmesh init --host grpc.example.com --remove";

struct InitFlags {
  std::string host;
  std::string selector = "istio=ingressgateway";
  std::string gateway_namespace;
  bool https = false;
  bool plaintext = false;
  int https_port = 0;
  int plaintext_port = 0;
  std::string credential_name;
  std::string client_ca;
  bool remove = false;
  std::string api;
  std::string gateway_class;
  std::string gateway;
  ApplyFlags apply;
};

mesh::InitOptions to_options(const InitFlags& f) {
  manifest::validate_host(f.host);
  mesh::InitOptions o;
  o.host = f.host;
  o.selector = mesh::parse_selector(f.selector);
  o.gateway_namespace = f.gateway_namespace;
  o.https = f.https;
  o.plaintext = f.plaintext;
  if (f.https_port != 0) {
    o.https_port = f.https_port;
  }
  if (f.plaintext_port != 0) {
    o.plaintext_port = f.plaintext_port;
  }
  o.credential_name = f.credential_name;
  o.remove = f.remove;
  if (!f.client_ca.empty()) {
    if (f.remove) {
      throw UsageError("--client-ca cannot be combined with --remove");
    }
    o.client_ca_pem = util::read_option_file(f.client_ca, "--client-ca");
    tls::inspect(o.client_ca_pem, f.client_ca);  // a clear error now rather than a gateway that cannot load it
  }
  return o;
}

gatewayapi::InitOptions to_gateway_options(const InitFlags& f) {
  gatewayapi::InitOptions o;
  o.host = f.host;
  o.gateway = f.gateway;
  o.namespace_name = f.gateway_namespace;
  if (!f.gateway_class.empty()) {
    o.gateway_class = f.gateway_class;
  }
  o.https = f.https;
  o.plaintext = f.plaintext;
  if (f.https_port != 0) {
    o.https_port = f.https_port;
  }
  if (f.plaintext_port != 0) {
    o.plaintext_port = f.plaintext_port;
  }
  o.credential_name = f.credential_name;
  o.remove = f.remove;
  return o;
}

// The flags that only one API knows, refused for the other.
void check_api_flags(const InitFlags& f, gatewayapi::Api api) {
  if (api == gatewayapi::Api::Istio) {
    if (!f.gateway.empty() || !f.gateway_class.empty()) {
      throw UsageError(fmt::format("{} names a Gateway API Gateway; pass --api gateway-api",
                                   f.gateway.empty() ? "--gateway-class" : "--gateway"));
    }
  }
}

}  // namespace

void register_init(CLI::App& root, Context& ctx) {
  auto flags = std::make_shared<InitFlags>();
  auto* sub = root.add_subcommand("init", kShort);
  sub->description(kLong);
  sub->footer(kExamples);
  sub->add_option("--host", flags->host, "The host name clients use (e.g. grpc.example.com)")->required();
  sub->add_option("--selector", flags->selector, "Labels of the ingress gateway pods")->capture_default_str();
  sub->add_option("--gateway-namespace", flags->gateway_namespace,
                  "Namespace of the gateway pods (found from --selector; needed with --dry-run=client, and with --local when the files hold no gateway Pods); with --api gateway-api: the Gateway's (default: -n)");
  sub->add_flag("--https", flags->https, "Serve HTTPS (the default unless --plaintext is given)");
  sub->add_flag("--plaintext", flags->plaintext, "Serve plaintext h2c (protocol HTTP2)");
  sub->add_option("--https-port", flags->https_port, "Gateway port for HTTPS (default: 443 or the Service's https port)")
      ->check(CLI::Range(1, 65535));
  sub->add_option("--plaintext-port", flags->plaintext_port,
                  "Gateway port for h2c (default: 80 or the Service's http2 port)")
      ->check(CLI::Range(1, 65535));
  sub->add_option("--credential-name", flags->credential_name,
                  "Secret holding the certificate (default: as bound, else HOST-with-dashes-tls)");
  sub->add_option("--client-ca", flags->client_ca,
                  "PEM CA for client certificates: tls mode MUTUAL (--api gateway-api: the Gateway's spec.tls.frontend)");
  sub->add_flag("--remove", flags->remove,
                "Remove what init created (with --https or --plaintext: only that server)");
  bind_api_flag(*sub, flags->api);
  sub->add_option("--gateway-class", flags->gateway_class,
                  "--api gateway-api: the gatewayClassName of the Gateway init creates (default istio)");
  sub->add_option("--gateway", flags->gateway,
                  "--api gateway-api: add the host's listeners to this existing Gateway (NAMESPACE/NAME)");
  bind_apply_flags(*sub, flags->apply);
  sub->callback([&ctx, flags] {
    ChangeCommand command = change_command(flags->apply);
    if (!flags->gateway.empty() && flags->gateway.find('/') == std::string::npos) {
      throw UsageError(fmt::format("--gateway {} needs the namespace: NAMESPACE/NAME", flags->gateway));
    }
    const std::optional<gatewayapi::Api> api = api_from_flag(flags->api);
    if (api) {
      check_api_flags(*flags, *api);
    }
    auto options = std::make_shared<mesh::InitOptions>(to_options(*flags));
    auto gateway_options = std::make_shared<gatewayapi::InitOptions>(to_gateway_options(*flags));
    gateway_options->client_ca_pem = options->client_ca_pem;
    command.plan = [&ctx, flags, options, gateway_options, api, local = command.local](mesh::ClusterState* state) {
      const gatewayapi::ApiChoice choice = mesh::choose_api(state, api, options->host, options->selector);
      check_api_flags(*flags, choice.api);
      mesh::ChangeSet cs;
      if (choice.api == gatewayapi::Api::GatewayApi) {
        if (state) {
          mesh::find_gateway_init_target(*state, *gateway_options);
        }
        if (gateway_options->gateway.empty() && gateway_options->namespace_name.empty()) {
          gateway_options->namespace_name = target_namespace(ctx, local);
        }
        gatewayapi::InitFacts facts;
        if (state) {
          facts = mesh::read_gateway_init_facts(*state, *gateway_options);
        }
        cs = gatewayapi::plan_init(*gateway_options, facts);
      } else {
        cs = mesh::plan_init(*options, state ? mesh::read_init_facts(*state, *options)
                                             : mesh::init_facts_from_flags(*options));
      }
      cs.notes.insert(cs.notes.begin(), gatewayapi::describe(choice));
      return cs;
    };
    ctx.action = [&ctx, command] { return run_change_command(ctx, command); };
  });
}

}  // namespace grpcmesh::cmd
