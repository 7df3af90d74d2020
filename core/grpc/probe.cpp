#include "core/grpc/probe.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <memory>

namespace grpcmesh::grpc {
namespace {

struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) {
      close(fd);
    }
  }
};

std::pair<std::string, std::string> split_address(const std::string& address) {
  if (!address.empty() && address.front() == '[') {
    auto close = address.find(']');
    if (close != std::string::npos) {
      std::string port = close + 2 <= address.size() ? address.substr(close + 2) : "443";
      return {address.substr(1, close - 1), port};
    }
  }
  auto colon = address.rfind(':');
  if (colon == std::string::npos) {
    return {address, "443"};
  }
  return {address.substr(0, colon), address.substr(colon + 1)};
}

// Connects a TCP socket; on failure returns the one-line reason.
std::string dial(const std::string& address, int timeout_ms, Fd& out) {
  auto [host, port] = split_address(address);
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (int rc = getaddrinfo(host.c_str(), port.c_str(), &hints, &found); rc != 0) {
    return fmt::format("cannot resolve host \"{}\": {}; check the address", host, gai_strerror(rc));
  }
  std::unique_ptr<addrinfo, decltype(&freeaddrinfo)> list(found, freeaddrinfo);
  std::string last = "no address";
  for (addrinfo* ai = found; ai != nullptr; ai = ai->ai_next) {
    Fd fd{socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK, ai->ai_protocol)};
    if (fd.fd < 0) {
      continue;
    }
    if (connect(fd.fd, ai->ai_addr, ai->ai_addrlen) != 0 && errno != EINPROGRESS) {
      last = std::strerror(errno);
      continue;
    }
    pollfd p{fd.fd, POLLOUT, 0};
    if (poll(&p, 1, timeout_ms) != 1) {
      return fmt::format("no answer from {} within {}s: check the address, the port and any firewall", address,
                         timeout_ms / 1000.0);
    }
    int err = 0;
    socklen_t len = sizeof err;
    getsockopt(fd.fd, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0) {
      last = std::strerror(err);
      continue;
    }
    int flags = fcntl(fd.fd, F_GETFL);
    fcntl(fd.fd, F_SETFL, flags & ~O_NONBLOCK);
    timeval tv{timeout_ms / 1000, (timeout_ms % 1000) * 1000};
    setsockopt(fd.fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd.fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    std::swap(out.fd, fd.fd);
    return "";
  }
  if (last == std::strerror(ECONNREFUSED)) {
    return fmt::format("connection refused by {}: is the server running and listening on that port?", address);
  }
  return fmt::format("cannot connect to {}: {}", address, last);
}

// Sends the HTTP/2 connection preface in clear text and reports whether the
// peer answers with a SETTINGS frame, i.e. speaks h2c.
bool speaks_h2c(const std::string& address, int timeout_ms) {
  Fd fd;
  if (!dial(address, timeout_ms, fd).empty()) {
    return false;
  }
  static constexpr char kPreface[] = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\0\0\0\x04\0\0\0\0\0";
  if (write(fd.fd, kPreface, sizeof kPreface - 1) != static_cast<ssize_t>(sizeof kPreface - 1)) {
    return false;
  }
  unsigned char frame[9];
  size_t got = 0;
  while (got < sizeof frame) {
    ssize_t n = read(fd.fd, frame + got, sizeof frame - got);
    if (n <= 0) {
      return false;
    }
    got += static_cast<size_t>(n);
  }
  return frame[3] == 0x04;
}

std::string openssl_reason() {
  unsigned long e = ERR_peek_last_error();
  ERR_clear_error();
  if (e == 0) {
    return "the server closed the connection";
  }
  const char* r = ERR_reason_error_string(e);
  return r ? r : "unknown TLS error";
}

struct TlsResult {
  bool handshake_ok = false;
  long verify = X509_V_OK;
  std::string error;
  std::string alpn;
  bool client_cert_requested = false;  // the server sent a CertificateRequest
};

// Called by OpenSSL when the server asks for a client certificate: note it,
// offer none.
int note_certificate_request(SSL* ssl, X509**, EVP_PKEY**) {
  if (auto* result = static_cast<TlsResult*>(SSL_get_app_data(ssl))) {
    result->client_cert_requested = true;
  }
  return 0;
}

TlsResult try_tls(const ProbeRequest& r, int timeout_ms, bool verify) {
  TlsResult result;
  Fd fd;
  if (std::string e = dial(r.address, timeout_ms, fd); !e.empty()) {
    result.error = e;
    return result;
  }
  std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> ctx(SSL_CTX_new(TLS_client_method()), SSL_CTX_free);
  if (verify) {
    SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER, nullptr);
    if (r.cacert.empty()) {
      SSL_CTX_set_default_verify_paths(ctx.get());
    } else {
      SSL_CTX_load_verify_locations(ctx.get(), r.cacert.c_str(), nullptr);
    }
  }
  static constexpr unsigned char kAlpn[] = {2, 'h', '2'};
  SSL_CTX_set_alpn_protos(ctx.get(), kAlpn, sizeof kAlpn);
  SSL_CTX_set_client_cert_cb(ctx.get(), note_certificate_request);
  std::unique_ptr<SSL, decltype(&SSL_free)> ssl(SSL_new(ctx.get()), SSL_free);
  SSL_set_app_data(ssl.get(), &result);
  auto [host, port] = split_address(r.address);
  std::string name = r.servername.empty() ? host : r.servername;
  in6_addr ip{};
  bool is_ip = inet_pton(AF_INET, name.c_str(), &ip) == 1 || inet_pton(AF_INET6, name.c_str(), &ip) == 1;
  if (!is_ip) {
    SSL_set_tlsext_host_name(ssl.get(), name.c_str());
  }
  if (verify) {
    X509_VERIFY_PARAM* param = SSL_get0_param(ssl.get());
    if (is_ip) {
      X509_VERIFY_PARAM_set1_ip_asc(param, name.c_str());
    } else {
      X509_VERIFY_PARAM_set1_host(param, name.c_str(), 0);
    }
  }
  SSL_set_fd(ssl.get(), fd.fd);
  ERR_clear_error();
  result.handshake_ok = SSL_connect(ssl.get()) == 1;
  result.verify = SSL_get_verify_result(ssl.get());
  if (!result.handshake_ok) {
    result.error = openssl_reason();
  } else {
    const unsigned char* alpn = nullptr;
    unsigned int len = 0;
    SSL_get0_alpn_selected(ssl.get(), &alpn, &len);
    result.alpn.assign(reinterpret_cast<const char*>(alpn), len);
  }
  return result;
}

}  // namespace

int connect_tcp(const std::string& address, int timeout_ms, std::string& error) {
  Fd fd;
  error = dial(address, timeout_ms, fd);
  if (!error.empty()) {
    return -1;
  }
  const int out = fd.fd;
  fd.fd = -1;
  return out;
}

std::string diagnose_connection(const ProbeRequest& r) {
  const int timeout_ms = static_cast<int>(std::max(0.5, r.timeout_seconds) * 1000);
  Fd fd;
  if (std::string e = dial(r.address, timeout_ms, fd); !e.empty()) {
    return e;
  }
  if (r.plaintext) {
    if (try_tls(r, timeout_ms, false).handshake_ok) {
      return fmt::format(
          "{} speaks TLS, but -plaintext was given: drop -plaintext (and pass -cacert FILE if its certificate "
          "is not publicly trusted)",
          r.address);
    }
    return "";
  }
  TlsResult tls = try_tls(r, timeout_ms, !r.insecure);
  if (!tls.handshake_ok) {
    if (tls.verify != X509_V_OK) {
      auto [host, port] = split_address(r.address);
      std::string name = r.servername.empty() ? host : r.servername;
      if (tls.verify == X509_V_ERR_HOSTNAME_MISMATCH || tls.verify == X509_V_ERR_IP_ADDRESS_MISMATCH) {
        return fmt::format(
            "the TLS certificate of {} is not valid for \"{}\": set -servername to a name the certificate "
            "carries, or -insecure to skip verification",
            r.address, name);
      }
      return fmt::format(
          "the TLS certificate of {} is not trusted ({}): pass -cacert with the CA that signed it, or -insecure to "
          "skip verification",
          r.address, X509_verify_cert_error_string(tls.verify));
    }
    if (speaks_h2c(r.address, timeout_ms)) {
      return fmt::format("{} speaks plaintext HTTP/2 (h2c), not TLS: add -plaintext", r.address);
    }
    return fmt::format("the TLS handshake with {} failed: {}", r.address, tls.error);
  }
  if (tls.client_cert_requested && !r.client_certificate) {
    return "the server requires a client certificate (mutual TLS): pass -cert FILE -key FILE";
  }
  if (tls.alpn != "h2") {
    return fmt::format("{} completed TLS but did not agree to HTTP/2 (ALPN h2): it is not a gRPC endpoint",
                       r.address);
  }
  return "";
}

}  // namespace grpcmesh::grpc
