#include <fmt/format.h>

#include <memory>
#include <optional>

#include "cmd/api_flag.hpp"
#include "cmd/app.hpp"
#include "cmd/apply_flags.hpp"
#include "cmd/change_command.hpp"
#include "cmd/tls_issuer.hpp"
#include "core/manifest/names.hpp"
#include "core/gatewayapi/tls.hpp"
#include "core/mesh/gatewayapi_read.hpp"
#include "core/mesh/tls_command.hpp"
#include "core/tls/self_signed.hpp"
#include "core/util/error.hpp"
#include "core/util/files.hpp"
#include "core/util/staged_file.hpp"

namespace grpcmesh::cmd {
namespace {

constexpr const char* kShort = "Install the TLS certificate for a host's HTTPS gateway server";
constexpr const char* kLong =
    "Install the TLS certificate for a host's HTTPS gateway server.\n\n"
    "Validates the certificate before anything is written (the key matches, the chain is in order, a DNS\n"
    "subjectAltName covers the host, it is inside its validity window, the key type is one the gateway\n"
    "serves), then writes a kubernetes.io/tls Secret in the namespace of the gateway pods (where Istio looks\n"
    "credentialName up) and binds it on the host's HTTPS server. --self-signed creates an ECDSA P-256 CA and\n"
    "a certificate for the host; the CA certificate is written to --ca-out for clients, the CA key only with\n"
    "--ca-key-out (mode 0600). --issuer NAME instead writes a cert-manager Certificate there (secretName = the\n"
    "server's credentialName, dnsNames = the host) that the Issuer or ClusterIssuer issues and renews; --wait\n"
    "waits until it is Ready and explains why not. Re-running with a new certificate rotates it. A MUTUAL\n"
    "server moved to another Secret with --secret-name keeps a client CA (--ca, else its current one copied\n"
    "to NAME-cacert). Key material is never printed: -o yaml shows Secret data as REDACTED unless\n"
    "--show-secret-data is given.\n\n"
    "With --api gateway-api the Secret goes where the Gateway API looks for the HTTPS listener's\n"
    "certificateRefs: the Gateway's namespace, or --secret-namespace NS with a ReferenceGrant in NS that\n"
    "admits Gateways of the Gateway's namespace (tls writes it), and the host's listener is pointed at it;\n"
    "--issuer puts the cert-manager Certificate there. Istio's own Gateway reads credentialName from the\n"
    "gateway pods' namespace instead. Client certificates on a Gateway API Gateway are its spec.tls.frontend,\n"
    "which init --client-ca sets, so --ca is refused there. Without --api the command keeps the API the host\n"
    "uses.";
constexpr const char* kExamples =
    "Examples:\n"
    "  # Use a certificate issued for grpc.example.com (leaf first, then intermediates)\n"
    "  kubectl grpcmesh tls --host grpc.example.com --cert tls.crt --key tls.key\n\n"
    "  # Create a throwaway CA and certificate; clients trust ./grpc.example.com-ca.crt\n"
    "  kubectl grpcmesh tls --host grpc.example.com --self-signed\n\n"
    "  # Add the CA for client certificates (tls mode MUTUAL)\n"
    "  kubectl grpcmesh tls --host grpc.example.com --cert tls.crt --key tls.key --ca clients-ca.crt\n\n"
    "  # Let cert-manager's ClusterIssuer letsencrypt issue and renew it; wait until it is Ready\n"
    "  kubectl grpcmesh tls --host grpc.example.com --issuer letsencrypt --issuer-kind ClusterIssuer --wait\n\n"
    "  # Plan against a GitOps repository's manifests (the Secret's data shows as REDACTED)\n"
    "  kubectl grpcmesh tls --host grpc.example.com --cert tls.crt --key tls.key --gateway-namespace istio-system \\\n"
    "      --local -f deploy/\n\n"
    "  # The host is on a Gateway API Gateway; keep the Secret in namespace certs\n"
    "  kubectl grpcmesh tls --host grpc.example.com --api gateway-api --self-signed --secret-namespace certs\n\n"
    "  # The same with a cert-manager Certificate; the issued Secret lands in namespace certs\n"
    "  kubectl grpcmesh tls --host grpc.example.com --api gateway-api --issuer letsencrypt \\\n"
    "      --issuer-kind ClusterIssuer --secret-namespace certs --wait\n\n"
    "  # Remove the Secret again\n"
    "  kubectl grpcmesh tls --host grpc.example.com --remove";

struct TlsFlags {
  std::string host;
  std::string cert;
  std::string key;
  std::string ca;
  bool self_signed = false;
  std::string ca_out;
  std::string ca_key_out;
  std::string secret_name;
  std::string gateway_namespace;
  bool show_secret_data = false;
  bool remove = false;
  std::string api;
  std::string secret_namespace;
  std::string gateway;
  ApplyFlags apply;
  IssuerFlags issuer;
};

// The flags that only one API knows, refused for the other.
void check_api_flags(const TlsFlags& f, gatewayapi::Api api) {
  if (api == gatewayapi::Api::Istio) {
    if (!f.secret_namespace.empty() || !f.gateway.empty()) {
      throw UsageError(fmt::format("{} is for a Gateway API Gateway's certificateRefs; pass --api gateway-api "
                                   "(Istio's Gateway reads the Secret from the gateway pods' namespace)",
                                   f.gateway.empty() ? "--secret-namespace" : "--gateway"));
    }
  } else if (!f.ca.empty()) {
    throw UsageError(fmt::format("--ca: the Gateway API reads the client CA from the Gateway's spec.tls.frontend, "
                                 "not from the listener's Secret; set it with kubectl grpcmesh init --host {} --api "
                                 "gateway-api --client-ca FILE, and drop --ca here",
                                 f.host));
  }
}

// The files --self-signed writes: staged when the change is planned (an
// unwritable path stops the command before the cluster is touched), moved
// into place only once every change was made, and removed otherwise, so a
// failed run leaves no CA behind that matches no Secret.
struct CaFiles {
  std::optional<util::StagedFile> cert;
  std::optional<util::StagedFile> key;

  void commit() {
    if (cert) cert->commit();
    if (key) key->commit();
  }
  void discard() noexcept {
    if (cert) cert->discard();
    if (key) key->discard();
  }
};

}  // namespace

void register_tls(CLI::App& root, Context& ctx) {
  auto flags = std::make_shared<TlsFlags>();
  auto* sub = root.add_subcommand("tls", kShort);
  sub->description(kLong);
  sub->footer(kExamples);
  sub->add_option("--host", flags->host, "The host name the certificate is for")->required();
  sub->add_option("--cert", flags->cert, "PEM certificate file: the host's certificate first, then intermediates");
  sub->add_option("--key", flags->key, "PEM private key file of the certificate (unencrypted)");
  sub->add_option("--ca", flags->ca, "PEM CA bundle for client certificates (as ca.crt of <secret>-cacert if it exists, else of <secret>)");
  sub->add_flag("--self-signed", flags->self_signed, "Create an ECDSA P-256 CA and a certificate for the host");
  sub->add_option("--ca-out", flags->ca_out, "Where --self-signed writes the CA certificate (default ./HOST-ca.crt)");
  sub->add_option("--ca-key-out", flags->ca_key_out, "Also write the self-signed CA's private key here (mode 0600)");
  sub->add_option("--secret-name", flags->secret_name,
                  "Secret name (default: the server's credentialName, else HOST-with-dashes-tls)");
  sub->add_option("--gateway-namespace", flags->gateway_namespace,
                  "Namespace of the gateway pods (found from the host's Gateway; needed with --dry-run=client, and with --local when the files hold no gateway Pods)");
  sub->add_flag("--show-secret-data", flags->show_secret_data, "Print Secret data with -o yaml|json (key material!)");
  sub->add_flag("--remove", flags->remove, "Remove the Secret tls created (with --issuer: the Certificate)");
  bind_api_flag(*sub, flags->api);
  sub->add_option("--secret-namespace", flags->secret_namespace,
                  "--api gateway-api: put the Secret in this namespace, with a ReferenceGrant for the Gateway "
                  "(default: the Gateway's namespace)");
  sub->add_option("--gateway", flags->gateway,
                  "--api gateway-api: the Gateway (NAMESPACE/NAME) with the host's HTTPS listener (default: the one "
                  "with a listener for the host)");
  bind_issuer_flags(*sub, flags->issuer);
  bind_apply_flags(*sub, flags->apply);
  sub->callback([&ctx, flags, sub] {
    const TlsFlags& f = *flags;
    manifest::validate_host(f.host);
    ChangeCommand command = change_command(f.apply);
    command.print.show_secret_data = f.show_secret_data;
    if (!f.gateway.empty() && f.gateway.find('/') == std::string::npos) {
      throw UsageError(fmt::format("--gateway {} needs the namespace: NAMESPACE/NAME", f.gateway));
    }
    const std::optional<gatewayapi::Api> api = api_from_flag(f.api);
    if (api) {
      check_api_flags(f, *api);
    }
    if (!f.issuer.issuer.empty()) {
      if (!f.cert.empty() || !f.key.empty() || f.self_signed || !f.ca.empty() || !f.ca_out.empty() ||
          !f.ca_key_out.empty()) {
        throw UsageError("--issuer lets cert-manager issue the certificate: drop --cert/--key/--self-signed/--ca");
      }
      set_issuer_action(ctx, command, f.issuer,
                        {f.host, f.secret_name, f.gateway_namespace, f.remove, api, f.secret_namespace, f.gateway,
                         [flags](gatewayapi::Api chosen) { check_api_flags(*flags, chosen); }});
      return;
    }
    check_issuer_flags_unused(*sub);
    auto options = std::make_shared<mesh::TlsOptions>();
    options->host = f.host;
    options->secret_name = f.secret_name;
    options->gateway_namespace = f.gateway_namespace;
    options->remove = f.remove;
    const bool given = !f.cert.empty() || !f.key.empty();
    if (f.remove && (given || f.self_signed)) {
      throw UsageError("--remove takes no certificate: drop --cert/--key/--self-signed");
    }
    if (!f.remove && f.self_signed == given) {
      throw UsageError("pass either --cert FILE --key FILE or --self-signed");
    }
    if (given && (f.cert.empty() || f.key.empty())) {
      throw UsageError("--cert and --key go together: pass both files");
    }
    if (!f.self_signed && (!f.ca_out.empty() || !f.ca_key_out.empty())) {
      throw UsageError("--ca-out and --ca-key-out only apply to --self-signed");
    }
    std::shared_ptr<tls::SelfSigned> generated;
    if (given) {
      options->bundle = tls::Bundle{util::read_option_file(f.cert, "--cert"),
                                    util::read_option_file(f.key, "--key"),
                                    f.ca.empty() ? "" : util::read_option_file(f.ca, "--ca"), f.cert, f.key, f.ca};
    } else if (f.self_signed) {
      generated = std::make_shared<tls::SelfSigned>(tls::make_self_signed(f.host, options->now));
      options->bundle = tls::Bundle{generated->cert_pem, generated->key_pem,
                                    f.ca.empty() ? "" : util::read_option_file(f.ca, "--ca"), "generated certificate",
                                    "generated key", f.ca};
    }
    // Validate now: a bad certificate is reported before any cluster access.
    if (!f.remove) {
      tls::validate(options->bundle, f.host, options->now);
    }
    const std::string ca_out = f.ca_out.empty() ? "./" + f.host + "-ca.crt" : f.ca_out;
    const std::string ca_key_out = f.ca_key_out;
    // --local writes the CA files: the Secret it prints goes into the repository.
    const bool dry_run = command.apply.dry_run != kube::DryRun::None && !command.local;
    auto files = std::make_shared<CaFiles>();
    auto g = std::make_shared<gatewayapi::TlsOptions>();
    g->host = options->host;
    g->bundle = options->bundle;
    g->secret_name = f.secret_name;
    g->secret_namespace = f.secret_namespace;
    g->gateway = f.gateway;
    g->gateway_namespace = f.gateway_namespace;
    g->remove = f.remove;
    g->now = options->now;
    command.plan = [flags, options, g, api, generated, ca_out, ca_key_out, dry_run, files](mesh::ClusterState* state) {
      const gatewayapi::ApiChoice choice = mesh::choose_api(state, api, options->host, {{"istio", "ingressgateway"}});
      check_api_flags(*flags, choice.api);
      mesh::ChangeSet cs;
      if (choice.api == gatewayapi::Api::GatewayApi) {
        cs = gatewayapi::plan_tls(*g, state ? mesh::read_gateway_tls_facts(*state, *g)
                                            : gatewayapi::tls_facts_from_flags(*g));
      } else {
        cs = mesh::plan_tls(*options, state ? mesh::read_tls_facts(*state, *options)
                                            : mesh::tls_facts_from_flags(*options));
      }
      cs.notes.insert(cs.notes.begin(), gatewayapi::describe(choice));
      if (generated && !dry_run) {
        files->cert.emplace(ca_out, generated->ca_cert_pem, 0644, "--ca-out");
        cs.notes.push_back("Clients trust the CA in " + ca_out + " (e.g. grpcurl -cacert " + ca_out + ")");
        if (!ca_key_out.empty()) {
          files->key.emplace(ca_key_out, generated->ca_key_pem, 0600, "--ca-key-out");
          cs.notes.push_back("The CA private key is in " + ca_key_out + " (mode 0600); keep it safe");
        }
      } else if (generated) {
        cs.notes.push_back("Dry run: the CA certificate was not written");
      }
      return cs;
    };
    command.after = [files](Streams&) { files->commit(); };
    ctx.action = [&ctx, command, files] {
      try {
        return run_change_command(ctx, command);
      } catch (...) {
        files->discard();
        throw;
      }
    };
  });
}

}  // namespace grpcmesh::cmd
