#include "core/grpc/channel.hpp"

#include <fmt/format.h>
#include <grpc/grpc.h>
#include <grpcpp/security/tls_credentials_options.h>
#include <openssl/x509.h>

#include <chrono>

#include "core/grpc/probe.hpp"
#include "core/util/error.hpp"
#include "core/util/files.hpp"
#include "core/version.hpp"

namespace grpcmesh::grpc {
namespace {

// Without -cacert, the system trust store (grpc's own default roots file is
// not shipped by every distribution).
std::string system_roots() {
  for (const char* path : {X509_get_default_cert_file(), "/etc/ssl/certs/ca-certificates.crt"}) {
    if (auto roots = util::read_file(path)) {
      return *roots;
    }
  }
  return "";
}

// TLS through grpc's TLS credentials: verification on (CA from -cacert or the
// system store, hostname checked against -servername, else the authority,
// else the address) unless -insecure. The per-call host check is off because
// -authority may deliberately differ from the certificate's name: the
// certificate is still checked against the TLS server name.
std::shared_ptr<::grpc::ChannelCredentials> credentials(const Options& o) {
  if (o.plaintext) {
    return ::grpc::InsecureChannelCredentials();
  }
  namespace x = ::grpc::experimental;
  x::TlsChannelCredentialsOptions tls;
  std::vector<x::IdentityKeyCertPair> pairs;
  if (!o.cert.empty()) {
    pairs.push_back({util::read_option_file(o.key, "-key"), util::read_option_file(o.cert, "-cert")});
  }
  std::string roots =
      o.insecure ? "" : (o.cacert.empty() ? system_roots() : util::read_option_file(o.cacert, "-cacert"));
  if (!roots.empty() || !pairs.empty()) {
    tls.set_certificate_provider(std::make_shared<x::StaticDataCertificateProvider>(roots, pairs));
  }
  if (!roots.empty()) {
    tls.watch_root_certs();
  }
  if (!pairs.empty()) {
    tls.watch_identity_key_cert_pairs();
  }
  tls.set_check_call_host(false);
  if (o.insecure) {
    tls.set_verify_server_certs(false);
    tls.set_certificate_verifier(std::make_shared<x::NoOpCertificateVerifier>());
  } else {
    tls.set_certificate_verifier(std::make_shared<x::HostNameCertificateVerifier>());
  }
  return x::TlsCredentials(tls);
}

}  // namespace

Target target_from(const Options& o) {
  return Target{o.address, o.plaintext, o.authority, o.servername};
}

std::shared_ptr<::grpc::Channel> make_channel(const Options& o, const Target& t) {
  ::grpc::ChannelArguments args;
  args.SetUserAgentPrefix("kubectl-grpcmesh/" + build_info().version);
  args.SetMaxReceiveMessageSize(o.max_msg_sz > 0 ? o.max_msg_sz : 4 * 1024 * 1024);
  if (!t.authority.empty()) {
    args.SetString(GRPC_ARG_DEFAULT_AUTHORITY, t.authority);
  }
  if (!t.plaintext && !t.servername.empty()) {
    args.SetSslTargetNameOverride(t.servername);
  }
  if (o.keepalive_time > 0) {
    args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, static_cast<int>(o.keepalive_time * 1000));
  }
  // Each run is one process: a private subchannel pool keeps -repeat honest.
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  Options effective = o;
  effective.plaintext = t.plaintext;
  return ::grpc::CreateCustomChannel(t.address, credentials(effective), args);
}

void connect_or_explain(::grpc::Channel& channel, const Options& o, const Target& t) {
  using clock = std::chrono::system_clock;
  const auto deadline = clock::now() + std::chrono::milliseconds(static_cast<long>(o.connect_timeout * 1000));
  grpc_connectivity_state state = channel.GetState(true);
  while (state != GRPC_CHANNEL_READY) {
    if (state == GRPC_CHANNEL_TRANSIENT_FAILURE || state == GRPC_CHANNEL_SHUTDOWN) {
      break;  // fail fast, as grpcurl does on a non-temporary dial error
    }
    if (!channel.WaitForStateChange(state, deadline)) {
      break;
    }
    state = channel.GetState(true);
  }
  if (state == GRPC_CHANNEL_READY) {
    return;
  }
  ProbeRequest probe{t.address, t.plaintext, o.insecure, o.cacert,
                     t.servername.empty() ? t.authority : t.servername, std::min(o.connect_timeout, 5.0)};
  std::string why = diagnose_connection(probe);
  if (why.empty()) {
    why = state == GRPC_CHANNEL_TRANSIENT_FAILURE
              ? "the connection failed (run with -vv for gRPC's own log)"
              : fmt::format("not connected within -connect-timeout {}s", o.connect_timeout);
  }
  throw Error(fmt::format("failed to dial target host \"{}\": {}", t.address, why));
}

}  // namespace grpcmesh::grpc
