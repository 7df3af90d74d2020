#include "cmd/tls_issuer.hpp"

#include <fmt/format.h>

#include <memory>

#include "core/gatewayapi/tls.hpp"
#include "core/kube/apply.hpp"
#include "core/mesh/gatewayapi_read.hpp"
#include "core/mesh/tls_issuer.hpp"
#include "core/stream/duration.hpp"
#include "core/util/error.hpp"
#include "core/util/terminal.hpp"

namespace grpcmesh::cmd {

void bind_issuer_flags(CLI::App& app, IssuerFlags& f) {
  app.add_option("--issuer", f.issuer, "Let this cert-manager Issuer (or ClusterIssuer) issue and renew the certificate");
  app.add_option("--issuer-kind", f.issuer_kind, "Kind of --issuer: Issuer (in the Secret's namespace) or ClusterIssuer")
      ->default_str("Issuer");
  app.add_option("--key-algorithm", f.key_algorithm, "With --issuer: private key algorithm, RSA, ECDSA or Ed25519")
      ->default_str("ECDSA");
  app.add_option("--key-size", f.key_size, "With --issuer: key size (default 256 for ECDSA, 2048 for RSA)");
  app.add_option("--duration", f.duration, "With --issuer: requested certificate lifetime")->default_str("2160h");
  app.add_option("--renew-before", f.renew_before,
                 "With --issuer: renew this long before expiry (default: cert-manager's, a third of --duration)");
  app.add_flag("--wait", f.wait, "With --issuer: wait until the Certificate is Ready");
  app.add_option("--timeout", f.timeout, "With --wait: how long to wait")->default_str("5m");
}

void check_issuer_flags_unused(const CLI::App& app) {
  for (const char* name : {"--issuer-kind", "--key-algorithm", "--key-size", "--duration", "--renew-before", "--wait",
                           "--timeout"}) {
    if (app.count(name) > 0) {
      throw UsageError(fmt::format("{} only applies with --issuer NAME", name));
    }
  }
}

void set_issuer_action(Context& ctx, ChangeCommand command, const IssuerFlags& f, const TlsTarget& target) {
  auto options = std::make_shared<mesh::IssuerOptions>();
  options->host = target.host;
  options->issuer = f.issuer;
  options->issuer_kind = f.issuer_kind;
  options->key_algorithm = f.key_algorithm;
  options->key_size = f.key_size;
  options->duration = f.duration;
  options->renew_before = f.renew_before;
  options->secret_name = target.secret_name;
  options->gateway_namespace = target.gateway_namespace;
  options->remove = target.remove;
  mesh::validate_issuer_options(*options);
  const auto timeout = stream::parse_duration_flag(f.timeout, "--timeout");
  if (f.wait && target.remove) {
    throw UsageError("--wait waits for an issued Certificate; it does not go with --remove");
  }
  const bool wait = f.wait && command.apply.dry_run == kube::DryRun::None;
  // Where the Certificate went, for --wait.
  auto where = std::make_shared<std::pair<std::string, std::string>>();
  auto g = std::make_shared<gatewayapi::TlsOptions>();
  g->host = target.host;
  g->secret_name = target.secret_name;
  g->secret_namespace = target.secret_namespace;
  g->gateway = target.gateway;
  g->gateway_namespace = target.gateway_namespace;
  g->remove = target.remove;
  command.plan = [options, g, where, target](mesh::ClusterState* state) {
    const gatewayapi::ApiChoice choice = mesh::choose_api(state, target.api, target.host, {{"istio", "ingressgateway"}});
    if (target.check_api) target.check_api(choice.api);
    mesh::ChangeSet cs;
    if (choice.api == gatewayapi::Api::GatewayApi) {
      const gatewayapi::TlsFacts tf =
          state ? mesh::read_gateway_tls_facts(*state, *g) : gatewayapi::tls_facts_from_flags(*g);
      mesh::IssuerFacts facts = gatewayapi::issuer_facts(*g, tf);
      const std::string name = gatewayapi::tls_secret_ref(*g, tf).second;
      if (state) mesh::read_cert_manager_facts(*state, *options, name, facts);
      *where = {facts.workload_namespace, name};
      cs = gatewayapi::plan_tls_issuer(*g, tf, *options, facts);
    } else {
      const mesh::IssuerFacts facts =
          state ? mesh::read_issuer_facts(*state, *options) : mesh::issuer_facts_from_flags(*options);
      *where = {facts.workload_namespace, mesh::issuer_secret_name(*options, facts)};
      cs = mesh::plan_tls_issuer(*options, facts);
    }
    cs.notes.insert(cs.notes.begin(), gatewayapi::describe(choice));
    return cs;
  };
  ctx.action = [&ctx, command, wait, timeout, where] {
    int rc = run_change_command(ctx, command);
    if (rc != 0 || !wait) {
      return rc;
    }
    const auto& [ns, name] = *where;
    auto client = make_client(ctx);
    term::Progress progress(ctx.streams.err, ctx.show_progress(), fmt::format("Waiting for Certificate {}/{}", ns, name));
    const mesh::CertificateProgress p =
        mesh::wait_for_certificate(*client, ns, name, timeout, [&](const std::string& s) { progress.update(s); });
    progress.finish();
    if (p.ready) {
      ctx.streams.err << fmt::format("Certificate {}/{} is Ready: Secret {}/{} holds the issued certificate\n", ns,
                                     name, ns, name);
      return 0;
    }
    throw Error(fmt::format("Certificate {}/{} is not Ready{}: {}", ns, name,
                            p.failed ? "" : " after " + stream::format_duration(timeout), p.summary));
  };
}

}  // namespace grpcmesh::cmd
